using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge;
using TlsGateway.Tls;

namespace TlsGateway.Host;

/// <summary>Runs an <see cref="EdgeProxy"/> in the foreground until SIGTERM/SIGINT, then drains.</summary>
internal static class EdgeHost
{
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan UpstreamConnectTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(ListenerOptions options, TlsServerContext context, EndPoint upstream, ILoggerFactory loggers)
    {
        ILogger logger = loggers.CreateLogger("tlsgw");
        using var shutdown = new ShutdownSignal();
        await using var proxy = new EdgeProxy(options, context, upstream, UpstreamConnectTimeout, loggers);
        proxy.Start();
        logger.LogInformation("Edge ready: {Listen} -> {Upstream}", proxy.Listener.LocalEndPoint, upstream);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or SIGINT: fall through to the drain.
        }

        logger.LogInformation("Draining {Count} connections (up to {Seconds} s)", proxy.Listener.ActiveConnections, DrainTimeout.TotalSeconds);
        await proxy.StopAsync(DrainTimeout);
        logger.LogInformation("Stopped");
        return 0;
    }
}
