using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;

namespace TlsGateway.Host;

/// <summary>
/// The CA's public side of the admin port: the bundle, CRL and OCSP routes
/// (<see cref="CaHttpEndpoints"/>), and a loop that keeps the CA snapshot current — rotations
/// and revocations made by the CLI or other replicas — and retires generations whose leaves
/// have all expired.
/// </summary>
internal sealed class CaPublisher : IAsyncDisposable
{
    private readonly CaContext _ca;
    private readonly CrlPublisher _crls;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _refresh = Task.CompletedTask;

    public CaPublisher(CaContext ca, ILoggerFactory loggers)
    {
        _ca = ca;
        _crls = new CrlPublisher(ca.Authority);
        _logger = loggers.CreateLogger("tlsgw.ca");
    }

    /// <summary>Adds the CA's routes to the admin server being built.</summary>
    public void Map(WebApplication app) => CaHttpEndpoints.Map(app, _ca.Authority, _crls, new OcspResponder(_ca.Authority));

    public void Start() => _refresh = RefreshLoopAsync();

    private Task RefreshLoopAsync()
    {
        var rotation = new RootRotation(_ca.Authority, _ca.Layout);
        return PeriodicWork.RunAsync(Commands.CaServeCommand.RefreshInterval, async cancellationToken =>
        {
            if (await _ca.Authority.ReloadIfChangedAsync(cancellationToken))
            {
                _crls.Invalidate();
                rotation.WriteBundle();
                _logger.LogInformation("CA generations changed; trust bundle now holds {Count} roots", _ca.Authority.State.TrustedRoots.Count);
            }

            foreach (int id in await rotation.AdvanceAsync(cancellationToken))
            {
                _crls.Invalidate();
                _logger.LogInformation("Retired CA generation {Generation}: its last leaf expired", id);
            }
        },
        // The store may be down for a while; keep serving what we have and try again.
        e =>
        {
            if (e is Storage.StoreException)
            {
                CaMetrics.StoreError("refresh");
            }

            _logger.LogWarning("CA refresh failed: {Message}", e.Message);
        },
        _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _refresh;
        _stop.Dispose();
    }
}
