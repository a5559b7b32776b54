using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// An ECDSA P-256 chain and key for TLS_AES_128_GCM_SHA256: CertificateVerify is
/// ecdsa_secp256r1_sha256 with a DER (X9.62 Ecdsa-Sig-Value) signature (RFC 8446 §4.2.3).
/// </summary>
public sealed class EcdsaServerCredential : ManagedServerCredential
{
    private readonly ECDsa _key;

    public EcdsaServerCredential(IReadOnlyList<byte[]> certificateChain, ECDsa key)
        : base(certificateChain)
    {
        if (key.KeySize != 256)
        {
            // §4.2.3: ecdsa_secp256r1_sha256 binds the curve to the scheme; other curves need other schemes.
            throw new ArgumentException($"an ecdsa_secp256r1_sha256 key is P-256, not a {key.KeySize}-bit curve", nameof(key));
        }

        _key = key;
    }

    public override SignatureScheme Scheme => SignatureScheme.EcdsaSecp256r1Sha256;

    public override byte[] Sign(ReadOnlySpan<byte> content) =>
        _key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
}
