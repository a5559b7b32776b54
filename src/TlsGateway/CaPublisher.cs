using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;

namespace TlsGateway.Host;

/// <summary>
/// The CA's public side of the admin port: the bundle, CRL and OCSP routes
/// (<see cref="CaHttpEndpoints"/>), and a loop that keeps the CA snapshot current — rotations
/// and revocations made by the CLI or other replicas — and retires generations whose leaves
/// have all expired. `tlsgw up` runs one per hierarchy; the SM2 one's is not mapped (the
/// admin routes are the ECDSA CA's) and tells the ECDSA one when its roots change, so
/// DIR/bundle.pem, which holds both, is rewritten.
/// </summary>
internal sealed class CaPublisher : IAsyncDisposable
{
    private readonly CaContext _ca;
    private readonly CrlPublisher _crls;
    private readonly ILogger _logger;
    private readonly Action? _rootsChanged;
    private readonly CancellationTokenSource _stop = new();
    private Task _refresh = Task.CompletedTask;

    /// <param name="rootsChanged">Called after this CA's trusted roots changed and its bundle was rewritten.</param>
    public CaPublisher(CaContext ca, ILoggerFactory loggers, Action? rootsChanged = null, string logCategory = "tlsgw.ca")
    {
        _ca = ca;
        _crls = new CrlPublisher(ca.Authority);
        _logger = loggers.CreateLogger(logCategory);
        _rootsChanged = rootsChanged;
    }

    /// <summary>Adds the CA's routes to the admin server being built.</summary>
    public void Map(WebApplication app) => CaHttpEndpoints.Map(app, _ca.Authority, _crls, new OcspResponder(_ca.Authority));

    public void Start() => _refresh = RefreshLoopAsync();

    /// <summary>Rewrites DIR/bundle.pem from this CA's current roots (and its SM2 companion's, <see cref="CaLayout.WriteBundle"/>).</summary>
    public void WriteBundle() => new RootRotation(_ca.Authority, _ca.Layout).WriteBundle();

    private Task RefreshLoopAsync()
    {
        var rotation = new RootRotation(_ca.Authority, _ca.Layout);
        return PeriodicWork.RunAsync(Commands.CaServeCommand.RefreshInterval, async cancellationToken =>
        {
            if (await _ca.Authority.ReloadIfChangedAsync(cancellationToken))
            {
                _crls.Invalidate();
                rotation.WriteBundle();
                _rootsChanged?.Invoke();
                _logger.LogInformation("CA generations changed; trust bundle now holds {Count} roots", _ca.Authority.State.TrustedRoots.Count);
            }

            IReadOnlyList<int> retired = await rotation.AdvanceAsync(cancellationToken);
            foreach (int id in retired)
            {
                _crls.Invalidate();
                _logger.LogInformation("Retired CA generation {Generation}: its last leaf expired", id);
            }

            if (retired.Count > 0)
            {
                _rootsChanged?.Invoke(); // AdvanceAsync rewrote this CA's bundle
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
