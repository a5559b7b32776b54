using TlsGateway.Telemetry;

namespace TlsGateway.Host.Admin;

/// <summary>
/// What the roles running in this process offer the admin port: metrics (collected from the
/// process's meters from the moment this object exists, so create it before starting roles),
/// the certificate inventory, readiness checks, rotations an operator can trigger, the drain,
/// and the effective config. Each command fills it in through <see cref="AdminRoles"/>; the
/// <see cref="AdminServer"/> serves it.
/// </summary>
internal sealed class AdminApi : IDisposable
{
    private readonly List<(string Name, Func<CancellationToken, Task<string>> Rotate)> _rotations = [];
    private readonly List<Func<Task>> _drains = [];
    private readonly Dictionary<string, Func<object>> _config = new(StringComparer.Ordinal);

    public MetricsCollector Metrics { get; } = new();

    public CertificateInventory Certificates { get; } = new();

    public Readiness Readiness { get; } = new();

    /// <summary>What POST /admin/restart does (hot restart; only `tlsgw serve` can): true once another process took over.</summary>
    public Func<CancellationToken, Task<(bool TookOver, string Message)>>? Restart { get; set; }

    /// <summary>Something POST /admin/rotate does; returns one line saying what it did.</summary>
    public void AddRotation(string name, Func<CancellationToken, Task<string>> rotate)
    {
        lock (_rotations)
        {
            _rotations.Add((name, rotate));
        }
    }

    /// <summary>Something POST /admin/drain starts: stop taking new work, let the current work finish.</summary>
    public void AddDrain(Func<Task> drain)
    {
        lock (_drains)
        {
            _drains.Add(drain);
        }
    }

    /// <summary>A section of GET /admin/config, read at request time (so reloads show).</summary>
    public void AddConfig(string section, Func<object> current)
    {
        lock (_config)
        {
            _config[section] = current;
        }
    }

    public IReadOnlyList<(string Name, Func<CancellationToken, Task<string>> Rotate)> Rotations
    {
        get
        {
            lock (_rotations)
            {
                return _rotations.ToArray();
            }
        }
    }

    public IReadOnlyList<Func<Task>> Drains
    {
        get
        {
            lock (_drains)
            {
                return _drains.ToArray();
            }
        }
    }

    public IReadOnlyDictionary<string, object> CurrentConfig()
    {
        lock (_config)
        {
            return _config.ToDictionary(c => c.Key, c => c.Value(), StringComparer.Ordinal);
        }
    }

    public void Dispose()
    {
        Certificates.Dispose();
        Metrics.Dispose();
    }
}
