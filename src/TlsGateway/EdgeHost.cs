using TlsGateway.Config;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge;
using TlsGateway.Edge.Config;
using TlsGateway.Host.Admin;
using TlsGateway.Host.HotRestart;

namespace TlsGateway.Host;

/// <summary>
/// Runs an <see cref="EdgeRuntime"/> in the foreground: SIGHUP (or a change to a watched file)
/// reloads through <paramref name="reload"/>, keeping the running config if the new one fails;
/// SIGTERM/SIGINT, or a process taking over (hot restart), stop accepting and drain.
/// </summary>
internal static class EdgeHost
{
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(EdgeConfig config, ILoggerFactory loggers, Func<EdgeConfig>? reload = null,
        Func<EdgeConfig, IEnumerable<string>>? watchedFiles = null, AdminApi? admin = null, HotRestartCoordinator? hotRestart = null)
    {
        EdgeConfig current = config;
        ILogger logger = loggers.CreateLogger("tlsgw");
        using var shutdown = new ShutdownSignal();
        await using var runtime = new EdgeRuntime(loggers, hotRestart?.InheritedEdge);
        var reloads = new SemaphoreSlim(1, 1);
        ConfigWatcher? watcher = null;
        string Reload(string why)
        {
            if (reload is null)
            {
                return "this edge has nothing to reload";
            }

            if (!reloads.Wait(0))
            {
                return "a reload is already running";
            }

            try
            {
                EdgeConfig next = reload();
                runtime.Apply(next);
                current = next;
                EdgeMetrics.RecordReload(applied: true);
                watcher?.Watch(watchedFiles?.Invoke(next) ?? []);
                logger.LogInformation("Configuration reloaded ({Why}); new connections use it", why);
                return "reloaded the config and every certificate, key, bundle and CRL file it names";
            }
            catch (ConfigException e)
            {
                EdgeMetrics.RecordReload(applied: false);
                logger.LogError("Reload ({Why}) refused, still serving the previous configuration: {Message}", why, e.Message);
                return $"reload refused, still serving the previous configuration: {e.Message}";
            }
            finally
            {
                reloads.Release();
            }
        }

        // Signals and watches first: a SIGHUP that arrives once the port is open must reload, not kill.
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = Task.Run(() => Reload("SIGHUP"));
        });
        if (reload is not null && watchedFiles is not null)
        {
            watcher = new ConfigWatcher(() => Reload("file changed"));
            watcher.Watch(watchedFiles(config));
        }

        reloads.Wait();
        try
        {
            runtime.Apply(config);
        }
        finally
        {
            reloads.Release();
        }

        foreach ((string name, TlsListener listener) in runtime.Listeners)
        {
            logger.LogInformation("Edge listener {Name} ready on {Endpoint}", name, listener.LocalEndPoint);
        }

        long wanted = config.Listeners.Sum(l => (long)l.Limits.MaxConnections);
        if (DescriptorBudget.SoftLimit is { } descriptors && wanted > DescriptorBudget.ConnectionCap)
        {
            logger.LogWarning("The descriptor limit is {Limit}: the edge holds at most {Cap} client connections at once (two descriptors each, "
                + "{Reserve} kept for the rest), not the {Wanted} max_connections allows; raise it with ulimit -n or systemd's LimitNOFILE=",
                descriptors, DescriptorBudget.ConnectionCap, DescriptorBudget.Reserve, wanted);
        }

        if (admin is not null)
        {
            admin.Certificates.Add(() => runtime.ServedCertificates.Select(c =>
                new HeldCertificate("edge", $"{c.Listener}/{c.Chain}", c.Subject, c.Serial, c.NotAfter)));
            admin.Readiness.Add("edge", () => EdgeReadiness(runtime));
            admin.AddRotation("edge-certificates", _ => Task.FromResult(Reload("admin API")));
            admin.AddDrain(() => runtime.StopAsync(DrainTimeout));
            admin.AddConfig("edge", () => current);
        }

        hotRestart?.Serving(runtime);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token, hotRestart?.HandedOff ?? CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or SIGINT, or a new process took over: fall through to the drain.
        }

        watcher?.Dispose();
        logger.LogInformation("Draining {Count} connections (up to {Seconds} s)", runtime.ActiveConnections, DrainTimeout.TotalSeconds);
        await runtime.StopAsync(DrainTimeout);
        logger.LogInformation("Stopped");
        return 0;
    }

    // Ready: listeners bound, and every certificate they serve loaded and within its validity
    // (a load balancer should not send clients to a certificate they will refuse).
    private static string? EdgeReadiness(EdgeRuntime runtime)
    {
        if (runtime.Listeners.Count == 0)
        {
            return "no listener is running";
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        return runtime.ServedCertificates.FirstOrDefault(c => c.NotAfter <= now) is { } expired
            ? $"listener '{expired.Listener}' chain '{expired.Chain}' serves a certificate that expired {expired.NotAfter:u}"
            : null;
    }
}
