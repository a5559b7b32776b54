using System.Diagnostics.CodeAnalysis;

namespace TlsGateway.Interop;

/// <summary>
/// SM2 (GB/T 32918) from libcrypto: keys in OpenSSL's memory, signatures with a caller-chosen
/// distinguishing ID, and ECDH on the SM2 curve. pal_sm2.h explains why signing keys (OpenSSL
/// type "SM2") and ECDH keys (type "EC", group "SM2") are kept apart.
/// </summary>
public static class NativeSm2
{
    public const int PointLength = 65;
    public const int SecretLength = 32;
    public const int MaxIdLength = 8190;

    // A DER SM2 signature is SEQUENCE { INTEGER r, INTEGER s } with 32-byte numbers: at most 72 bytes.
    private const int MaxSignatureLength = 72;

    public static SafePrivateKeyHandle ImportPkcs8(ReadOnlySpan<byte> der) =>
        Check(TlsGwNative.Sm2KeyImportPkcs8(der, der.Length), "import SM2 PKCS#8 key");

    public static SafePrivateKeyHandle ImportSubjectPublicKeyInfo(ReadOnlySpan<byte> der) =>
        Check(TlsGwNative.Sm2KeyImportPublic(der, der.Length), "import SM2 public key");

    /// <summary>A verifying key from a 65-byte uncompressed point; throws when it is not on the curve.</summary>
    public static SafePrivateKeyHandle ImportPoint(ReadOnlySpan<byte> point) =>
        Check(TlsGwNative.Sm2KeyFromPoint(point, point.Length), "import SM2 point");

    /// <summary>The unencrypted DER PrivateKeyInfo; the caller wipes it when done.</summary>
    public static byte[] ExportPkcs8(SafePrivateKeyHandle key)
    {
        int length = TlsGwNative.Sm2KeyExportPkcs8(key, default, 0);
        if (length <= 0)
        {
            throw OpenSslException.FromErrorQueue("export SM2 PKCS#8 key");
        }

        byte[] der = new byte[length];
        if (TlsGwNative.Sm2KeyExportPkcs8(key, der, der.Length) != length)
        {
            throw OpenSslException.FromErrorQueue("export SM2 PKCS#8 key");
        }

        return der;
    }

    public static void ExportPoint(SafePrivateKeyHandle key, Span<byte> point)
    {
        if (point.Length < PointLength)
        {
            throw new ArgumentException($"an SM2 point needs {PointLength} bytes", nameof(point));
        }

        if (TlsGwNative.Sm2KeyExportPoint(key, point, point.Length) != PointLength)
        {
            throw OpenSslException.FromErrorQueue("export SM2 point");
        }
    }

    /// <summary>The DER signature (SM2 with SM3) over data under distinguishing ID <paramref name="id"/>.</summary>
    public static byte[] Sign(SafePrivateKeyHandle key, ReadOnlySpan<byte> id, ReadOnlySpan<byte> data)
    {
        CheckId(id);
        Span<byte> signature = stackalloc byte[MaxSignatureLength];
        // An empty ID must still reach the shim as a non-NULL pointer ("no ID" is refused there).
        ReadOnlySpan<byte> idOrEmpty = id.IsEmpty ? [0] : id;
        if (TlsGwNative.Sm2Sign(key, idOrEmpty, id.Length, data, data.Length, signature, signature.Length, out int length) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM2 sign");
        }

        return signature[..length].ToArray();
    }

    /// <summary>True when <paramref name="signature"/> (DER) verifies; false for a wrong or malformed one.</summary>
    public static bool Verify(SafePrivateKeyHandle key, ReadOnlySpan<byte> id, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        CheckId(id);
        ReadOnlySpan<byte> idOrEmpty = id.IsEmpty ? [0] : id;
        return TlsGwNative.Sm2Verify(key, idOrEmpty, id.Length, data, data.Length, signature, signature.Length) switch
        {
            1 => true,
            0 => false,
            _ => throw OpenSslException.FromErrorQueue("SM2 verify"),
        };
    }

    /// <summary>An ephemeral ECDH key on the SM2 curve (OpenSSL type "EC").</summary>
    public static SafePrivateKeyHandle GenerateEcdhKey() => Check(TlsGwNative.Sm2EcdhGenerate(), "generate SM2 ECDH key");

    /// <summary>
    /// The 32-byte shared x-coordinate with the peer's point. False, with OpenSSL's reason in
    /// <paramref name="rejection"/>, when the peer point is malformed or not on the curve;
    /// throws <see cref="OpenSslException"/> on any other failure.
    /// </summary>
    public static bool TryDeriveSecret(SafePrivateKeyHandle key, ReadOnlySpan<byte> peerPoint, Span<byte> secret,
        [NotNullWhen(false)] out string? rejection)
    {
        if (secret.Length < SecretLength)
        {
            throw new ArgumentException($"an SM2 shared secret needs {SecretLength} bytes", nameof(secret));
        }

        int result = TlsGwNative.Sm2EcdhDerive(key, peerPoint, peerPoint.Length, secret, secret.Length);
        if (result == SecretLength)
        {
            rejection = null;
            return true;
        }

        if (result == 0)
        {
            IReadOnlyList<OpenSslError> errors = OpenSslErrorQueue.Drain();
            rejection = errors.Count == 0 ? "rejected by OpenSSL" : string.Join("; ", errors.Select(e => e.Text));
            return false;
        }

        throw OpenSslException.FromErrorQueue("SM2 ECDH");
    }

    private static void CheckId(ReadOnlySpan<byte> id)
    {
        if (id.Length > MaxIdLength)
        {
            throw new ArgumentException($"an SM2 distinguishing ID is at most {MaxIdLength} bytes (GB/T 32918.2 §5.5 allows 8191; OpenSSL 3.0 takes one fewer)", nameof(id));
        }
    }

    private static SafePrivateKeyHandle Check(SafePrivateKeyHandle key, string operation)
    {
        if (key.IsInvalid)
        {
            key.Dispose();
            throw OpenSslException.FromErrorQueue(operation);
        }

        return key;
    }
}
