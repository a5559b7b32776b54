package tlsgw.bcpeer;

import java.io.IOException;
import java.util.Locale;
import java.util.Vector;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsCredentialedSigner;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsSM2Signer;

/**
 * One TLS 1.3 configuration the peer can run: a cipher suite with the groups and signature schemes
 * that go with it. The ShangMi pair follows RFC 8998 §2–3 (curveSM2 key shares, sm2sig_sm3); the AES
 * profile is ordinary RFC 8446 with an ECDSA P-256 certificate, for sanity runs against OpenSSL.
 */
enum SuiteProfile
{
    SM4_GCM_SM3("TLS_SM4_GCM_SM3", CipherSuite.TLS_SM4_GCM_SM3, PRFAlgorithm.tls13_hkdf_sm3,
        new int[] { NamedGroup.curveSM2 }, new int[] { ShangMi.SM2SIG_SM3 }),
    SM4_CCM_SM3("TLS_SM4_CCM_SM3", CipherSuite.TLS_SM4_CCM_SM3, PRFAlgorithm.tls13_hkdf_sm3,
        new int[] { NamedGroup.curveSM2 }, new int[] { ShangMi.SM2SIG_SM3 }),
    AES_128_GCM_SHA256("TLS_AES_128_GCM_SHA256", CipherSuite.TLS_AES_128_GCM_SHA256, PRFAlgorithm.tls13_hkdf_sha256,
        new int[] { NamedGroup.x25519, NamedGroup.secp256r1 },
        new int[] { SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ed25519 });

    private final String _rfcName;
    private final int _cipherSuite;
    private final int _prfAlgorithm;
    private final int[] _groups;
    private final int[] _signatureSchemes;

    SuiteProfile(String rfcName, int cipherSuite, int prfAlgorithm, int[] groups, int[] signatureSchemes)
    {
        _rfcName = rfcName;
        _cipherSuite = cipherSuite;
        _prfAlgorithm = prfAlgorithm;
        _groups = groups;
        _signatureSchemes = signatureSchemes;
    }

    /** gcm, ccm, aes128gcm, or the RFC name of the suite. */
    static SuiteProfile parse(String text)
    {
        for (SuiteProfile profile : values())
        {
            if (profile._rfcName.equalsIgnoreCase(text))
            {
                return profile;
            }
        }

        return switch (text.toLowerCase(Locale.ROOT))
        {
            case "gcm", "sm4-gcm" -> SM4_GCM_SM3;
            case "ccm", "sm4-ccm" -> SM4_CCM_SM3;
            case "aes128gcm", "aes" -> AES_128_GCM_SHA256;
            default -> throw new IllegalArgumentException("unknown suite " + text + " (gcm|ccm|aes128gcm)");
        };
    }

    boolean isShangMi()
    {
        return _prfAlgorithm == PRFAlgorithm.tls13_hkdf_sm3;
    }

    int cipherSuite()
    {
        return _cipherSuite;
    }

    int prfAlgorithm()
    {
        return _prfAlgorithm;
    }

    int[] groups()
    {
        return _groups.clone();
    }

    /** The signature schemes offered in signature_algorithms and CertificateRequest. */
    Vector<SignatureAndHashAlgorithm> signatureAlgorithms()
    {
        Vector<SignatureAndHashAlgorithm> algorithms = new Vector<>();
        for (int scheme : _signatureSchemes)
        {
            algorithms.add(SignatureScheme.getSignatureAndHashAlgorithm(scheme));
        }

        return algorithms;
    }

    /** The scheme this peer signs CertificateVerify with, given its key. */
    SignatureAndHashAlgorithm signingAlgorithm()
    {
        return SignatureScheme.getSignatureAndHashAlgorithm(_signatureSchemes[0]);
    }

    /**
     * A CertificateVerify signer for this profile. For sm2sig_sm3, BC's own BcTlsSM2Signer with the TLS 1.3
     * ID: it signs with whatever ID it is given (ParametersWithID), and BcDefaultTlsCredentialedSigner would
     * pick an ECDSA signer for an SM2 key because sm2sig_sm3 is not an "ECDSA" scheme to BC.
     */
    TlsCredentialedSigner signer(TlsContext context, ShangMiCrypto crypto, AsymmetricKeyParameter key,
        org.bouncycastle.tls.Certificate certificate) throws IOException
    {
        if (!(key instanceof ECPrivateKeyParameters ecKey))
        {
            throw new IOException("the peer signs with EC keys only (SM2 or ECDSA P-256)");
        }

        TlsCryptoParameters parameters = new TlsCryptoParameters(context);
        if (isShangMi())
        {
            return new DefaultTlsCredentialedSigner(parameters, new BcTlsSM2Signer(crypto, ecKey, ShangMi.TLS13_ID),
                certificate, ShangMi.SM2SIG_SM3_ALGORITHM);
        }

        return new BcDefaultTlsCredentialedSigner(parameters, crypto, ecKey, certificate, signingAlgorithm());
    }

    @Override
    public String toString()
    {
        return _rfcName;
    }
}
