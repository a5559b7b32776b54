namespace TlsGateway.Telemetry;

/// <summary>
/// The System.Diagnostics.Metrics instrument kinds we expose. Kept as the .NET kind (not the
/// Prometheus type) because aggregation differs between, say, Counter (sum of deltas) and
/// ObservableCounter (last reported total), and two instruments only share a family when they
/// are of the same kind.
/// </summary>
internal enum InstrumentKind
{
    Counter,
    UpDownCounter,
    Histogram,
    Gauge,
    ObservableCounter,
    ObservableUpDownCounter,
    ObservableGauge,
}
