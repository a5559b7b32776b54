using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// HMAC (RFC 2104) over SM3, from OpenSSL's EVP_MAC. The key is copied into OpenSSL when the
/// instance is made and cleansed there on <see cref="Dispose"/>; the caller wipes its own copy.
/// One instance is not safe for concurrent use.
/// </summary>
public sealed class HmacSm3 : IDisposable
{
    public const int HashSizeInBytes = Sm3.HashSizeInBytes;

    private readonly SafeSm3HmacHandle _context;

    /// <summary>Any key length works (RFC 2104 §2: longer keys are hashed first, an empty key is allowed).</summary>
    public HmacSm3(ReadOnlySpan<byte> key) => _context = NativeSm3.CreateHmac(key);

    public void AppendData(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeSm3.UpdateHmac(_context, data);
    }

    /// <summary>The MAC of everything appended; the instance then starts a new MAC under the same key.</summary>
    public int GetHashAndReset(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeSm3.FinalHmac(_context, destination);
        return HashSizeInBytes;
    }

    public byte[] GetHashAndReset()
    {
        byte[] mac = new byte[HashSizeInBytes];
        GetHashAndReset(mac);
        return mac;
    }

    public static int HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        using var hmac = new HmacSm3(key);
        hmac.AppendData(source);
        return hmac.GetHashAndReset(destination);
    }

    public static byte[] HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source)
    {
        byte[] mac = new byte[HashSizeInBytes];
        HashData(key, source, mac);
        return mac;
    }

    public void Dispose() => _context.Dispose();
}
