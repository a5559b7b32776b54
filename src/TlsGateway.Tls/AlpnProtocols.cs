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
}
