using System.Net;

namespace TlsGateway.Host;

/// <summary>Parses HOST:PORT, [IPv6]:PORT and localhost:PORT, naming the option on error.</summary>
internal static class Endpoints
{
    public static IPEndPoint Parse(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is < 0 or > 65535)
        {
            throw new FormatException($"{option}: '{text}' is not HOST:PORT");
        }

        string host = text[..colon].Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            throw new FormatException($"{option}: '{host}' is not an IP address (or localhost)");
        }

        return new IPEndPoint(address, port);
    }
}
