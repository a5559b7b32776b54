package tlsgw.bcpeer;

import java.nio.charset.StandardCharsets;

import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;

/** RFC 8998 constants the peer needs and Bouncy Castle 1.72 does not name. */
final class ShangMi
{
    /** sm2sig_sm3 (RFC 8998 §3.2): hash byte 0x07, signature byte 0x08 (the same byte as ed448's). */
    static final int SM2SIG_SM3 = SignatureScheme.sm2sig_sm3;

    static final SignatureAndHashAlgorithm SM2SIG_SM3_ALGORITHM = SignatureScheme.getSignatureAndHashAlgorithm(SM2SIG_SM3);

    /** The SM2 distinguishing ID of TLS 1.3 CertificateVerify signatures (RFC 8998 §3.2.1). */
    static final byte[] TLS13_ID = "TLSv1.3+GM+Cipher+Suite".getBytes(StandardCharsets.US_ASCII);

    /** SM2-with-SM3 in certificates and CRLs (GB/T 32918.2 / GM/T 0006: 1.2.156.10197.1.501). */
    static final String SM2_WITH_SM3_OID = "1.2.156.10197.1.501";

    private ShangMi()
    {
    }
}
