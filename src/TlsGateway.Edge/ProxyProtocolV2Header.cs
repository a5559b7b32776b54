using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace TlsGateway.Edge;

/// <summary>
/// A parsed PROXY protocol v2 header: what an upstream behind the edge learns. Used by the demo
/// upstream and the tests; strict, since it parses bytes from the network.
/// </summary>
public sealed record ProxyProtocolV2Header(IPEndPoint Source, IPEndPoint Destination, IReadOnlyDictionary<byte, byte[]> Tlvs, int Length)
{
    /// <summary>Largest header accepted: 16 fixed bytes plus the 16-bit length.</summary>
    public const int MaxLength = 16 + 65535;

    public string? Alpn => Text(ProxyProtocolV2.TypeAlpn);

    public string? Authority => Text(ProxyProtocolV2.TypeAuthority);

    public string? SpiffeId => Text(ProxyProtocolV2.SpiffeIdType);

    /// <summary>TLS version and cipher from the PP2_TYPE_SSL TLV.</summary>
    public (string? Version, string? Cipher) Ssl
    {
        get
        {
            if (!Tlvs.TryGetValue(ProxyProtocolV2.TypeSsl, out byte[]? ssl) || ssl.Length < 5)
            {
                return (null, null);
            }

            Dictionary<byte, byte[]> sub = ParseTlvs(ssl.AsSpan(5));
            return (sub.TryGetValue(ProxyProtocolV2.SubtypeSslVersion, out byte[]? v) ? Encoding.ASCII.GetString(v) : null,
                sub.TryGetValue(ProxyProtocolV2.SubtypeSslCipher, out byte[]? c) ? Encoding.ASCII.GetString(c) : null);
        }
    }

    /// <summary>
    /// Parses a header at the start of <paramref name="data"/>. Returns null while more bytes are
    /// needed; throws <see cref="FormatException"/> for anything that is not a valid v2 PROXY header.
    /// </summary>
    public static ProxyProtocolV2Header? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 16)
        {
            if (!ProxyProtocolV2.Signature[..Math.Min(data.Length, 12)].SequenceEqual(data[..Math.Min(data.Length, 12)]))
            {
                throw new FormatException("not a PROXY protocol v2 header (bad signature)");
            }

            return null;
        }

        if (!data[..12].SequenceEqual(ProxyProtocolV2.Signature))
        {
            throw new FormatException("not a PROXY protocol v2 header (bad signature)");
        }

        if (data[12] != 0x21)
        {
            throw new FormatException($"unsupported PROXY version/command byte 0x{data[12]:x2}");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        if (data.Length < 16 + length)
        {
            return null;
        }

        ReadOnlySpan<byte> body = data.Slice(16, length);
        (int addressLength, int size) = data[13] switch
        {
            0x11 => (4, 12),
            0x21 => (16, 36),
            _ => throw new FormatException($"unsupported PROXY address family/protocol 0x{data[13]:x2}"),
        };
        if (body.Length < size)
        {
            throw new FormatException("PROXY header shorter than its address block");
        }

        var source = new IPEndPoint(new IPAddress(body[..addressLength]), BinaryPrimitives.ReadUInt16BigEndian(body[(2 * addressLength)..]));
        var destination = new IPEndPoint(new IPAddress(body.Slice(addressLength, addressLength)), BinaryPrimitives.ReadUInt16BigEndian(body[((2 * addressLength) + 2)..]));
        Dictionary<byte, byte[]> tlvs = ParseTlvs(body[size..]);
        if (tlvs.TryGetValue(ProxyProtocolV2.TypeSsl, out byte[]? ssl))
        {
            // Validate the nested TLVs now, so a header that parses is fully readable.
            if (ssl.Length < 5)
            {
                throw new FormatException("PP2_TYPE_SSL TLV shorter than its client and verify fields");
            }

            ParseTlvs(ssl.AsSpan(5));
        }

        return new ProxyProtocolV2Header(source, destination, tlvs, 16 + length);
    }

    private static Dictionary<byte, byte[]> ParseTlvs(ReadOnlySpan<byte> data)
    {
        var tlvs = new Dictionary<byte, byte[]>();
        while (data.Length > 0)
        {
            if (data.Length < 3)
            {
                throw new FormatException("truncated PROXY TLV");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[1..]);
            if (data.Length < 3 + length)
            {
                throw new FormatException("PROXY TLV longer than the header");
            }

            tlvs[data[0]] = data.Slice(3, length).ToArray();
            data = data[(3 + length)..];
        }

        return tlvs;
    }

    private string? Text(byte type) => Tlvs.TryGetValue(type, out byte[]? value) ? Encoding.UTF8.GetString(value) : null;
}
