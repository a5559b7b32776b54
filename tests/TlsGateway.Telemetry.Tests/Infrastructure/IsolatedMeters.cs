using System.Diagnostics.Metrics;

namespace TlsGateway.Telemetry.Tests.Infrastructure;

/// <summary>
/// Meters under a name prefix no other test uses, and a collector that sees only those, so tests
/// running in parallel (all in one process, all listening to every Meter) never see each
/// other's instruments. Meters it created are disposed with it.
/// </summary>
public sealed class IsolatedMeters : IDisposable
{
    private readonly string _prefix = "TlsGateway.Tests." + Guid.NewGuid().ToString("N");
    private readonly List<Meter> _meters = [];
    private MetricsCollector? _collector;

    /// <summary>The collector, created on first use so a test can create instruments before it exists.</summary>
    public MetricsCollector Collector => _collector ??= new MetricsCollector(meter => meter.Name.StartsWith(_prefix, StringComparison.Ordinal));

    /// <summary>A new Meter; two calls with the same name give two instances of one meter name.</summary>
    public Meter Create(string name = "meter")
    {
        var meter = new Meter(_prefix + "." + name);
        _meters.Add(meter);
        return meter;
    }

    public string Scrape() => Collector.Scrape();

    public void Dispose()
    {
        _collector?.Dispose();
        foreach (Meter meter in _meters)
        {
            meter.Dispose();
        }
    }
}
