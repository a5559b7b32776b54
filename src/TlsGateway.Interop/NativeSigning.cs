using System.Text;

namespace TlsGateway.Interop;

/// <summary>
/// Key generation, public-key export, encrypted export and signing with a key that lives in
/// OpenSSL (or in a token behind an ENGINE). Used by the CA: its private keys never enter
/// managed memory as plaintext.
/// </summary>
public static unsafe class NativeSigning
{
    /// <summary>The distinguishing ID used in certificate and CRL signatures (GM/T 0009, "1234567812345678").</summary>
    public static ReadOnlySpan<byte> Sm2DefaultId => "1234567812345678"u8;

    public static SafePrivateKeyHandle Generate(NativeKeyType keyType, int rsaBits = 0)
    {
        SafePrivateKeyHandle key = TlsGwNative.PKeyGenerate(keyType, rsaBits);
        if (key.IsInvalid)
        {
            key.Dispose();
            throw OpenSslException.FromErrorQueue($"generate {keyType} key");
        }

        return key;
    }

    /// <summary>The DER SubjectPublicKeyInfo of the key.</summary>
    public static byte[] ExportPublicKey(SafePrivateKeyHandle key)
    {
        int length = TlsGwNative.PKeyExportPublic(key, default, 0);
        if (length <= 0)
        {
            throw OpenSslException.FromErrorQueue("export public key");
        }

        byte[] der = new byte[length];
        if (TlsGwNative.PKeyExportPublic(key, der, der.Length) != length)
        {
            throw OpenSslException.FromErrorQueue("export public key");
        }

        return der;
    }

    /// <summary>PBKDF2-HMAC-SHA256 iterations for CA key files: OWASP's 2023 figure (about a third of a second per unlock here).</summary>
    public const int DefaultKdfIterations = 600_000;

    /// <summary>The key as an encrypted PKCS#8 PEM (PBES2: AES-256-CBC, PBKDF2-HMAC-SHA256); passphrase must not be empty.</summary>
    public static string ExportEncryptedPkcs8(SafePrivateKeyHandle key, ReadOnlySpan<byte> passphrase, int iterations = DefaultKdfIterations)
    {
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("an encrypted key needs a non-empty passphrase", nameof(passphrase));
        }

        int length = TlsGwNative.PKeyExportEncryptedPkcs8(key, passphrase, passphrase.Length, iterations, default, 0);
        if (length <= 0)
        {
            throw OpenSslException.FromErrorQueue("encrypt private key");
        }

        byte[] pem = new byte[length];
        if (TlsGwNative.PKeyExportEncryptedPkcs8(key, passphrase, passphrase.Length, iterations, pem, pem.Length) != length)
        {
            throw OpenSslException.FromErrorQueue("encrypt private key");
        }

        return Encoding.ASCII.GetString(pem);
    }

    /// <summary>
    /// Signs data with the digest named as OpenSSL names it ("SHA256", "SHA384", "SM3").
    /// For SM2 keys pass the distinguishing ID (<see cref="Sm2DefaultId"/> for certificates).
    /// </summary>
    public static byte[] Sign(SafePrivateKeyHandle key, string digestName, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sm2Id = default)
    {
        // 1 KiB covers RSA-8192 (1,024 bytes) and any ECDSA/SM2 DER signature.
        Span<byte> signature = stackalloc byte[1024];
        int length;
        int ok;
        fixed (byte* id = sm2Id)
        fixed (byte* input = data)
        fixed (byte* output = signature)
        {
            ok = TlsGwNative.DigestSign(key, digestName, sm2Id.IsEmpty ? null : id, sm2Id.Length,
                input, data.Length, output, signature.Length, out length);
        }

        if (ok != 1)
        {
            throw OpenSslException.FromErrorQueue($"sign with {digestName}");
        }

        return signature[..length].ToArray();
    }

    /// <summary>
    /// Verifies an ECDSA or SM2 signature (DER) with a public key given as curve name ("P-256",
    /// "P-384", "P-521", "SM2") and encoded point. Throws when the point is not on the curve.
    /// </summary>
    public static bool VerifyEc(string curveName, ReadOnlySpan<byte> point, string digestName, ReadOnlySpan<byte> data,
        ReadOnlySpan<byte> signature, ReadOnlySpan<byte> sm2Id = default)
    {
        int result;
        fixed (byte* p = point)
        fixed (byte* id = sm2Id)
        fixed (byte* d = data)
        fixed (byte* s = signature)
        {
            result = TlsGwNative.EcVerify(curveName, p, point.Length, digestName, sm2Id.IsEmpty ? null : id, sm2Id.Length, d, data.Length, s, signature.Length);
        }

        return result switch
        {
            1 => true,
            0 => false,
            _ => throw OpenSslException.FromErrorQueue($"check {curveName} signature"),
        };
    }
}
