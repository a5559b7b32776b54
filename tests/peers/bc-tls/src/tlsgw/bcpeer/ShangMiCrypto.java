package tlsgw.bcpeer;

import java.io.IOException;
import java.security.SecureRandom;

import org.bouncycastle.tls.CertificateType;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * Bouncy Castle's crypto object with the first 1.72 gap closed: {@code hasSignatureScheme(sm2sig_sm3)}
 * answers false there, and its certificates cannot make an SM2 verifier. Certificates made here are
 * {@link ShangMiCertificate}s, which can.
 *
 * <p>One instance serves one connection, and remembers what BC 1.72's SecurityParameters do not hold: the
 * group of the (EC)DHE key share it set up (RFC 8446 §4.2.8) and the scheme of the peer's CertificateVerify.
 */
final class ShangMiCrypto extends BcTlsCrypto
{
    private volatile int _keyExchangeGroup = -1;
    private volatile int _peerSignatureScheme = -1;

    ShangMiCrypto()
    {
        super(new SecureRandom());
    }

    /** The group of the last key share made, or -1. */
    int keyExchangeGroup()
    {
        return _keyExchangeGroup;
    }

    /** The scheme of the last CertificateVerify checked, or -1. */
    int peerSignatureScheme()
    {
        return _peerSignatureScheme;
    }

    void notePeerSignatureScheme(int signatureScheme)
    {
        _peerSignatureScheme = signatureScheme;
    }

    @Override
    public boolean hasSignatureScheme(int signatureScheme)
    {
        return signatureScheme == ShangMi.SM2SIG_SM3 || super.hasSignatureScheme(signatureScheme);
    }

    @Override
    public TlsCertificate createCertificate(byte[] encoding) throws IOException
    {
        return new ShangMiCertificate(this, encoding);
    }

    @Override
    public TlsCertificate createCertificate(short type, byte[] encoding) throws IOException
    {
        return type == CertificateType.X509 ? new ShangMiCertificate(this, encoding) : super.createCertificate(type, encoding);
    }

    @Override
    public TlsECDomain createECDomain(TlsECConfig config)
    {
        _keyExchangeGroup = config.getNamedGroup();
        return super.createECDomain(config);
    }
}
