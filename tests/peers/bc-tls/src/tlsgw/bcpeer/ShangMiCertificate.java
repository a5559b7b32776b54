package tlsgw.bcpeer;

import java.io.IOException;

import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.math.ec.custom.gm.SM2P256V1Curve;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.Tls13Verifier;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCertificate;

/**
 * A BC certificate that can also verify sm2sig_sm3 CertificateVerify signatures: SM2 with SM3 over the
 * RFC 8446 §4.4.3 signed content, with the distinguishing ID "TLSv1.3+GM+Cipher+Suite" (RFC 8998 §3.2.1),
 * by BC's own {@link SM2Signer}. Every other scheme is BC's unchanged.
 */
final class ShangMiCertificate extends BcTlsCertificate
{
    private final ShangMiCrypto _crypto;

    ShangMiCertificate(ShangMiCrypto crypto, byte[] encoding) throws IOException
    {
        super(crypto, encoding);
        _crypto = crypto;
    }

    @Override
    public Tls13Verifier createVerifier(int signatureScheme) throws IOException
    {
        _crypto.notePeerSignatureScheme(signatureScheme);
        if (signatureScheme != ShangMi.SM2SIG_SM3)
        {
            return super.createVerifier(signatureScheme);
        }

        validateKeyUsage(KeyUsage.digitalSignature);
        ECPublicKeyParameters key = getPubKeyEC();
        // RFC 8998 §3.2: sm2sig_sm3 is only valid with a key on curveSM2.
        if (!(key.getParameters().getCurve() instanceof SM2P256V1Curve))
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "sm2sig_sm3 with a key that is not on curveSM2");
        }

        SM2Signer signer = new SM2Signer();
        signer.init(false, new ParametersWithID(key, ShangMi.TLS13_ID));
        return new SignerTls13Verifier(signer);
    }
}
