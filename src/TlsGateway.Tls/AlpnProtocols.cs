using System.Text;

namespace TlsGateway.Tls;

/// <summary>ALPN protocol lists in TLS wire format: each name as one length byte and its bytes (RFC 7301 section 3.1).</summary>
public static class AlpnProtocols
{
    public static byte[] ToWire(IReadOnlyList<string> protocols)
    {
        using var stream = new MemoryStream();
        foreach (string protocol in protocols)
        {
            byte[] name = Encoding.ASCII.GetBytes(protocol);
            if (name.Length is 0 or > 255)
            {
                throw new TlsConfigurationException($"ALPN protocol '{protocol}' must be 1 to 255 bytes");
            }

            stream.WriteByte((byte)name.Length);
            stream.Write(name);
        }

        return stream.ToArray();
    }

    /// <summary>Whether the wire-format <paramref name="offer"/> names any of <paramref name="protocols"/>.</summary>
    public static bool OfferContainsAny(ReadOnlySpan<byte> offer, IReadOnlyList<string> protocols)
    {
        while (offer.Length > 0)
        {
            int length = offer[0];
            if (length == 0 || length + 1 > offer.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> name = offer.Slice(1, length);
            foreach (string protocol in protocols)
            {
                if (protocol.Length == length && Encoding.ASCII.GetByteCount(protocol) == length && name.SequenceEqual(Encoding.ASCII.GetBytes(protocol)))
                {
                    return true;
                }
            }

            offer = offer[(length + 1)..];
        }

        return false;
    }
}
