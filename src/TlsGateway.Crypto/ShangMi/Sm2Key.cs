using System.Security.Cryptography;
using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// An SM2 signing key (GB/T 32918.2), private or public only, held by OpenSSL. Signatures are
/// SM2 with SM3 under an explicit distinguishing ID (<see cref="Sm2DistinguishingId"/>) and
/// DER-encoded (SEQUENCE of r and s), as X.509 and TLS carry them. For key agreement use
/// <see cref="Sm2KeyExchange"/>: OpenSSL 3.0 keeps the two kinds of SM2-curve key apart.
/// </summary>
public sealed class Sm2Key : IDisposable
{
    /// <summary>04 || x || y with 32-byte coordinates.</summary>
    public const int PublicPointSizeInBytes = NativeSm2.PointLength;

    private const string PrivateKeyLabel = "PRIVATE KEY";
    private const string PublicKeyLabel = "PUBLIC KEY";

    private readonly SafePrivateKeyHandle _key;

    private Sm2Key(SafePrivateKeyHandle key, bool hasPrivateKey)
    {
        _key = key;
        HasPrivateKey = hasPrivateKey;
    }

    public bool HasPrivateKey { get; }

    /// <summary>A new key pair, generated inside OpenSSL.</summary>
    public static Sm2Key Generate() => new(NativeSigning.Generate(NativeKeyType.Sm2), hasPrivateKey: true);

    /// <summary>From a DER PrivateKeyInfo (RFC 5208) on the SM2 curve. The caller wipes its buffer.</summary>
    public static Sm2Key ImportPkcs8PrivateKey(ReadOnlySpan<byte> der) => new(NativeSm2.ImportPkcs8(der), hasPrivateKey: true);

    /// <summary>From a DER SubjectPublicKeyInfo on the SM2 curve (as in an SM2 certificate).</summary>
    public static Sm2Key ImportSubjectPublicKeyInfo(ReadOnlySpan<byte> der) =>
        new(NativeSm2.ImportSubjectPublicKeyInfo(der), hasPrivateKey: false);

    /// <summary>From the 65-byte uncompressed point; <see cref="Sm2PointException"/> when it is malformed or off the curve.</summary>
    public static Sm2Key ImportPublicPoint(ReadOnlySpan<byte> point)
    {
        Sm2PointException.ThrowIfMalformed(point, "the SM2 public key");
        try
        {
            return new Sm2Key(NativeSm2.ImportPoint(point), hasPrivateKey: false);
        }
        catch (OpenSslException e)
        {
            // The shape was checked above, so OpenSSL refused the point itself.
            throw new Sm2PointException($"the SM2 public key is not a point on the curve: {e.Message}", e);
        }
    }

    /// <summary>From PEM: a "PRIVATE KEY" (PKCS#8) or "PUBLIC KEY" (SubjectPublicKeyInfo) block, the first one found.</summary>
    public static Sm2Key ImportFromPem(ReadOnlySpan<char> pem)
    {
        if (!PemEncoding.TryFind(pem, out PemFields fields))
        {
            throw new CryptographicException("no PEM block found");
        }

        ReadOnlySpan<char> label = pem[fields.Label];
        bool isPrivate = label.SequenceEqual(PrivateKeyLabel);
        if (!isPrivate && !label.SequenceEqual(PublicKeyLabel))
        {
            throw new CryptographicException($"an SM2 key is a PEM \"{PrivateKeyLabel}\" or \"{PublicKeyLabel}\" block, not \"{label}\"");
        }

        byte[] der = new byte[fields.DecodedDataLength];
        try
        {
            if (!Convert.TryFromBase64Chars(pem[fields.Base64Data], der, out int written) || written != der.Length)
            {
                throw new CryptographicException("the PEM block's base64 does not decode");
            }

            return isPrivate ? ImportPkcs8PrivateKey(der) : ImportSubjectPublicKeyInfo(der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>The unencrypted DER PrivateKeyInfo: plaintext key material the caller must wipe.</summary>
    public byte[] ExportPkcs8PrivateKey()
    {
        ThrowIfPublicOnly();
        return NativeSm2.ExportPkcs8(_key);
    }

    /// <summary>The unencrypted PKCS#8 PEM. A string cannot be wiped: prefer the DER export where a buffer will do.</summary>
    public string ExportPkcs8PrivateKeyPem()
    {
        byte[] der = ExportPkcs8PrivateKey();
        try
        {
            return PemEncoding.WriteString(PrivateKeyLabel, der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    public byte[] ExportSubjectPublicKeyInfo()
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        return NativeSigning.ExportPublicKey(_key);
    }

    public string ExportSubjectPublicKeyInfoPem() => PemEncoding.WriteString(PublicKeyLabel, ExportSubjectPublicKeyInfo());

    public byte[] ExportPublicPoint()
    {
        byte[] point = new byte[PublicPointSizeInBytes];
        ExportPublicPoint(point);
        return point;
    }

    public void ExportPublicPoint(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        NativeSm2.ExportPoint(_key, destination);
    }

    /// <summary>
    /// The DER SM2 signature of <paramref name="data"/> (hashed with SM3 after Z, GB/T 32918.2
    /// §6.1) under <paramref name="distinguishingId"/>. Randomised: two signatures differ.
    /// </summary>
    public byte[] SignData(ReadOnlySpan<byte> data, ReadOnlySpan<byte> distinguishingId)
    {
        ThrowIfPublicOnly();
        return NativeSm2.Sign(_key, distinguishingId, data);
    }

    /// <summary>True when <paramref name="signature"/> (DER) is this key's signature of data under the ID; false otherwise, malformed included.</summary>
    public bool VerifyData(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> distinguishingId)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        return NativeSm2.Verify(_key, distinguishingId, data, signature);
    }

    public void Dispose() => _key.Dispose();

    private void ThrowIfPublicOnly()
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        if (!HasPrivateKey)
        {
            throw new InvalidOperationException("this SM2 key has no private half");
        }
    }
}
