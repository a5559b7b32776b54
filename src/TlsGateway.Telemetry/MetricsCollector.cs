using System.Diagnostics.Metrics;
using System.Globalization;

namespace TlsGateway.Telemetry;

/// <summary>
/// Listens to System.Diagnostics.Metrics instruments and renders them in the Prometheus text
/// format for the /metrics endpoint, because prometheus-net is not available to us. Measurements
/// are aggregated as they happen, lock-free per series; observable instruments are polled when
/// scraped. Instruments published later are picked up, and those whose Meter is disposed stop
/// being reported.
/// Non-goals: cardinality limits (tag values must come from small, known sets), OpenMetrics,
/// timestamps, and state kept across a disposed Meter (its counters vanish, which Prometheus
/// reads as a reset).
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>The Content-Type of <see cref="WriteTo"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly Func<Meter, bool> s_ownMeters = static meter => meter.Name.StartsWith("TlsGateway", StringComparison.Ordinal);

    private readonly MeterListener _listener = new();
    private readonly Func<Meter, bool> _filter;

    // Guards _families and every family's instrument list; taken only when instruments come and
    // go and briefly per scrape, never on the measurement path.
    private readonly Lock _registryLock = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    // One scrape at a time: polling observable instruments resets their series first.
    private readonly Lock _scrapeLock = new();
    private bool _disposed;

    /// <param name="filter">
    /// Which meters to expose; by default those whose name starts with "TlsGateway".
    /// </param>
    public MetricsCollector(Func<Meter, bool>? filter = null)
    {
        _filter = filter ?? s_ownMeters;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));

        // Start publishes the instruments that already exist; later ones arrive the same way.
        _listener.Start();
    }

    /// <summary>
    /// Polls the observable instruments and writes every metric family that has at least one
    /// series. Lines end with "\n" whatever the platform.
    /// </summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_scrapeLock)
        {
            MetricFamily[] families;
            lock (_registryLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                families = [.. _families.Values];
            }

            foreach (MetricFamily family in families)
            {
                foreach (InstrumentState instrument in family.Instruments)
                {
                    if (instrument.IsObservable)
                    {
                        instrument.Reset();
                    }
                }
            }

            // Runs the observable callbacks on this thread; their values land in the series just reset.
            _listener.RecordObservableInstruments();
            PrometheusTextWriter.Write(writer, families);
        }
    }

    /// <summary>The same as <see cref="WriteTo"/>, as a string.</summary>
    public string Scrape()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    public void Dispose()
    {
        lock (_registryLock)
        {
            _disposed = true;
        }

        // Outside the lock: Dispose calls MeasurementsCompleted for every enabled instrument.
        _listener.Dispose();
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_filter(instrument.Meter))
        {
            return;
        }

        InstrumentState? state = InstrumentState.TryCreate(instrument);
        if (state is null)
        {
            return;
        }

        lock (_registryLock)
        {
            if (_disposed)
            {
                return;
            }

            if (!_families.TryGetValue(state.FamilyName, out MetricFamily? family))
            {
                _families.Add(state.FamilyName, new MetricFamily(state));
            }
            else if (!family.TryAdd(state))
            {
                // Same name, different kind (or buckets): the first one keeps the name.
                return;
            }
        }

        // Outside our lock, because this takes the runtime's own metrics lock. Should the meter be
        // disposed in between, the listener answers with MeasurementsCompleted, which unregisters it.
        listener.EnableMeasurementEvents(instrument, state);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not InstrumentState instrumentState)
        {
            return;
        }

        lock (_registryLock)
        {
            if (_families.TryGetValue(instrumentState.FamilyName, out MetricFamily? family))
            {
                family.Remove(instrumentState);
                if (family.IsEmpty)
                {
                    _families.Remove(instrumentState.FamilyName);
                }
            }
        }
    }
}
