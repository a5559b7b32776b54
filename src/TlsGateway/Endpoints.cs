using TlsGateway.Config;
using System.Net;
using TlsGateway.Edge.Config;

namespace TlsGateway.Host;

/// <summary>HOST:PORT flags, parsed like the config's addresses (<see cref="EndpointText"/>) with the flag named on error.</summary>
internal static class Endpoints
{
    /// <summary>An address to bind: an IP literal or localhost.</summary>
    public static IPEndPoint Parse(string text, string option) => (IPEndPoint)Parse(text, option, requireIp: true);

    /// <summary>An address to connect to: also a DNS name.</summary>
    public static EndPoint Parse(string text, string option, bool requireIp)
    {
        try
        {
            return EndpointText.Parse(text, requireIp);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{option}: {e.Message}", e);
        }
    }
}
