using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// One-shot SM3 (GB/T 32905-2016), the hash of the RFC 8998 suites. For a hash that grows
/// message by message (a TLS transcript) use <see cref="Sm3Hash"/>.
/// </summary>
public static class Sm3
{
    /// <summary>SM3 digests are 256 bits (GB/T 32905 §5.1).</summary>
    public const int HashSizeInBytes = NativeSm3.DigestLength;

    public static byte[] HashData(ReadOnlySpan<byte> source)
    {
        byte[] digest = new byte[HashSizeInBytes];
        NativeSm3.Hash(source, digest);
        return digest;
    }

    /// <summary>Writes the digest of <paramref name="source"/> and returns its length (32).</summary>
    public static int HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        NativeSm3.Hash(source, destination);
        return HashSizeInBytes;
    }
}
