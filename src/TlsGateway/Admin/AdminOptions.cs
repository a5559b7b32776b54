namespace TlsGateway.Host.Admin;

/// <summary>The admin port's defaults, shared by every command that runs one.</summary>
internal static class AdminOptions
{
    public const string DefaultListen = "127.0.0.1:9901";

    public const string Description = "Admin HTTP address: /metrics, /healthz, /readyz and the admin API (loopback callers only)";
}
