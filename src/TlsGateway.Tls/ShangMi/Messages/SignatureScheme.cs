namespace TlsGateway.Tls.ShangMi;

/// <summary>Signature schemes (RFC 8446 §4.2.3) plus sm2sig_sm3 (RFC 8998 §2).</summary>
public enum SignatureScheme : ushort
{
    RsaPkcs1Sha256 = 0x0401,
    RsaPkcs1Sha384 = 0x0501,
    RsaPkcs1Sha512 = 0x0601,
    EcdsaSecp256r1Sha256 = 0x0403,
    EcdsaSecp384r1Sha384 = 0x0503,
    EcdsaSecp521r1Sha512 = 0x0603,

    /// <summary>SM2 with SM3 under the TLS 1.3 distinguishing ID, RFC 8998 §3.2.1.</summary>
    Sm2SigSm3 = 0x0708,

    RsaPssRsaeSha256 = 0x0804,
    RsaPssRsaeSha384 = 0x0805,
    RsaPssRsaeSha512 = 0x0806,
    Ed25519 = 0x0807,
    Ed448 = 0x0808,
    RsaPssPssSha256 = 0x0809,
    RsaPssPssSha384 = 0x080a,
    RsaPssPssSha512 = 0x080b,
    RsaPkcs1Sha1 = 0x0201,
    EcdsaSha1 = 0x0203,
}
