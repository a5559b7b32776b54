using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What a CertificateVerify signs (RFC 8446 §4.4.3) and the check of a peer's signature with its
/// leaf certificate's key. The 64 spaces and the context string keep a TLS 1.3 signature from
/// being replayed as any other signature (TLS 1.2's, or the other side's).
/// </summary>
internal static class CertificateVerifyContent
{
    public static byte[] Build(bool server, ReadOnlySpan<byte> transcriptHash)
    {
        ReadOnlySpan<byte> context = server ? "TLS 1.3, server CertificateVerify"u8 : "TLS 1.3, client CertificateVerify"u8;
        byte[] content = new byte[64 + context.Length + 1 + transcriptHash.Length];
        content.AsSpan(0, 64).Fill(0x20);
        context.CopyTo(content.AsSpan(64));
        content[64 + context.Length] = 0;
        transcriptHash.CopyTo(content.AsSpan(64 + context.Length + 1));
        return content;
    }

    /// <summary>
    /// Verifies a peer's CertificateVerify with the key of <paramref name="leaf"/>. A key that
    /// cannot carry <paramref name="scheme"/> is illegal_parameter; a signature that does not
    /// verify is decrypt_error (§4.4.3: "MUST terminate the handshake with a decrypt_error").
    /// </summary>
    public static void VerifyPeer(X509Certificate2 leaf, SignatureScheme scheme, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        bool valid = scheme switch
        {
            SignatureScheme.Sm2SigSm3 => VerifySm2(leaf, content, signature),
            SignatureScheme.EcdsaSecp256r1Sha256 => VerifyEcdsa(leaf, content, signature),
            _ => throw new TlsProtocolException(AlertDescription.IllegalParameter, $"CertificateVerify with {scheme}, which was not offered"),
        };
        if (!valid)
        {
            throw new TlsProtocolException(AlertDescription.DecryptError, $"the peer's {scheme} CertificateVerify does not verify (RFC 8446 §4.4.3)");
        }
    }

    private static bool VerifySm2(X509Certificate2 leaf, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        Sm2Key key;
        try
        {
            key = Sm2Key.ImportSubjectPublicKeyInfo(leaf.PublicKey.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException e)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"sm2sig_sm3 with a certificate whose key is not SM2: {e.Message}");
        }

        using (key)
        {
            // RFC 8998 §3.2.1: TLS 1.3 signatures use the ID "TLSv1.3+GM+Cipher+Suite".
            return key.VerifyData(content, signature, Sm2DistinguishingId.Tls13);
        }
    }

    private static bool VerifyEcdsa(X509Certificate2 leaf, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature)
    {
        using ECDsa? key = TryGetEcdsa(leaf);
        if (key is null || key.KeySize != 256)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "ecdsa_secp256r1_sha256 with a certificate whose key is not P-256");
        }

        return key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static ECDsa? TryGetEcdsa(X509Certificate2 leaf)
    {
        try
        {
            return leaf.GetECDsaPublicKey();
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
