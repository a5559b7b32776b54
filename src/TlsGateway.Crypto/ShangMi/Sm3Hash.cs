using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// Incremental SM3 whose state lives in OpenSSL. Built for the TLS 1.3 transcript hash
/// (RFC 8446 §4.4.1): <see cref="GetCurrentHash(Span{byte})"/> reads the hash so far without
/// finishing it, and <see cref="Clone"/> forks the transcript (a HelloRetryRequest, or a server
/// that hashes a message both with and without the next one). One instance is not safe for
/// concurrent use; a transcript belongs to one connection.
/// </summary>
public sealed class Sm3Hash : IDisposable
{
    private readonly SafeSm3Handle _context;

    public Sm3Hash()
        : this(NativeSm3.Create())
    {
    }

    private Sm3Hash(SafeSm3Handle context) => _context = context;

    public void AppendData(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeSm3.Update(_context, data);
    }

    /// <summary>The digest of everything appended so far; appending can go on afterwards.</summary>
    public int GetCurrentHash(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeSm3.Current(_context, destination);
        return Sm3.HashSizeInBytes;
    }

    public byte[] GetCurrentHash()
    {
        byte[] digest = new byte[Sm3.HashSizeInBytes];
        GetCurrentHash(digest);
        return digest;
    }

    /// <summary>The digest of everything appended; the hash then starts again from empty.</summary>
    public int GetHashAndReset(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        NativeSm3.Final(_context, destination);
        return Sm3.HashSizeInBytes;
    }

    public byte[] GetHashAndReset()
    {
        byte[] digest = new byte[Sm3.HashSizeInBytes];
        GetHashAndReset(digest);
        return digest;
    }

    /// <summary>An independent hash that starts from this one's state (EVP_MD_CTX_copy_ex).</summary>
    public Sm3Hash Clone()
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        return new Sm3Hash(NativeSm3.Duplicate(_context));
    }

    public void Dispose() => _context.Dispose();
}
