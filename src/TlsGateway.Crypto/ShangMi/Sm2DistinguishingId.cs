namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// The distinguishing IDs an SM2 signature is bound to: the ID and the public key are hashed
/// into Z, which is prefixed to the message (GB/T 32918.2-2016 §5.5), so a signature made under
/// one ID never verifies under another.
/// </summary>
public static class Sm2DistinguishingId
{
    /// <summary>"1234567812345678": certificates, CRLs and CSRs (GM/T 0009-2012 §10, GB/T 35276-2017).</summary>
    public static ReadOnlySpan<byte> Default => "1234567812345678"u8;

    /// <summary>"TLSv1.3+GM+Cipher+Suite": TLS 1.3 CertificateVerify with sm2sig_sm3 (RFC 8998 §3.2.1).</summary>
    public static ReadOnlySpan<byte> Tls13 => "TLSv1.3+GM+Cipher+Suite"u8;
}
