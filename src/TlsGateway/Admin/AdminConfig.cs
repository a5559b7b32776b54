using System.Net;
using TlsGateway.Config;

namespace TlsGateway.Host.Admin;

/// <summary>
/// The `admin` section of tlsgw.yaml: where the admin port listens. Without the section
/// `serve` runs no admin port (as Envoy without an admin block); `admin: {}` gives the default
/// 127.0.0.1:9901. A pod binds 0.0.0.0:9901 for its probes and Prometheus; /admin/* still
/// answers loopback callers only.
/// </summary>
internal sealed record AdminConfig(IPEndPoint Listen)
{
    public static AdminConfig? Read(ConfigNode root)
    {
        if (!root.Has("admin"))
        {
            return null;
        }

        // `admin:` or `admin: {}` alone: the default address.
        IPEndPoint listen = Endpoints.Parse(AdminOptions.DefaultListen, "admin.listen");
        if (root.Optional("admin") is { } node)
        {
            node.AllowKeys("listen");
            if (node.Optional("listen") is { } given)
            {
                listen = (IPEndPoint)given.AsEndpoint(requireIp: true);
            }
        }

        return new AdminConfig(listen);
    }
}
