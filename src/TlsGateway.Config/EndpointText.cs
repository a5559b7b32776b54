using System.Globalization;
using System.Net;

namespace TlsGateway.Config;

/// <summary>
/// HOST:PORT as written in tlsgw.yaml and on the command line: an IP literal (IPv6 in brackets),
/// localhost, or — where an address is not required — a DNS name resolved at connect time.
/// One parser for both, so a flag and a config key accept exactly the same text.
/// </summary>
public static class EndpointText
{
    /// <summary>Throws <see cref="FormatException"/> with a message that quotes the text.</summary>
    public static EndPoint Parse(string text, bool requireIp)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new FormatException($"expected HOST:PORT with a port from 1 to 65535, got '{text}'");
        }

        string host = text[..colon];
        bool bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        // An IPv6 literal must be bracketed ("[::1]:443"), or its colons make the port ambiguous.
        if (host.Length == 0 || (!bracketed && host.Contains(':')) || host.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"expected HOST:PORT (IPv6 in brackets, e.g. [::1]:8443), got '{text}'");
        }

        // IPAddress.TryParse also takes forms such as "443" (0.0.1.187); an address must look like one.
        if ((bracketed || host.Count(c => c == '.') == 3) && IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (requireIp)
        {
            throw new FormatException($"'{host}' is not an IP address: listeners bind to an address (or localhost)");
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw new FormatException($"'{host}' is neither an IP address nor a DNS name");
        }

        return new DnsEndPoint(host, port);
    }
}
