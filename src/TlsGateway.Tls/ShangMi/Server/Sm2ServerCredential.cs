using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// An SM2 chain and key for the RFC 8998 suites: CertificateVerify is sm2sig_sm3, signed under the
/// distinguishing ID "TLSv1.3+GM+Cipher+Suite" (RFC 8998 §3.2.1) — not the default ID certificates
/// are signed with, which is why a plain SM2 signer would produce signatures peers reject.
/// </summary>
public sealed class Sm2ServerCredential : ManagedServerCredential
{
    private readonly Sm2Key _key;

    public Sm2ServerCredential(IReadOnlyList<byte[]> certificateChain, Sm2Key key)
        : base(certificateChain)
    {
        if (!key.HasPrivateKey)
        {
            throw new ArgumentException("the SM2 key has no private part", nameof(key));
        }

        _key = key;
    }

    public override SignatureScheme Scheme => SignatureScheme.Sm2SigSm3;

    public override byte[] Sign(ReadOnlySpan<byte> content) => _key.SignData(content, Sm2DistinguishingId.Tls13);
}
