namespace TlsGateway.Telemetry;

/// <summary>
/// One exposed metric name and every instrument behind it. Several Meter instances with the
/// same instrument (say one stats object per listener) feed one family, summed per label set
/// when written. The first instrument fixes the kind, help text and buckets; a later one that
/// disagrees is refused rather than producing a family Prometheus would reject.
/// </summary>
internal sealed class MetricFamily
{
    // Replaced, never mutated, and only under the collector's registry lock, so a scrape can
    // read it without that lock.
    private InstrumentState[] _instruments;

    public MetricFamily(InstrumentState first)
    {
        Name = first.FamilyName;
        Kind = first.Kind;
        Description = first.Description;
        UpperBounds = first.UpperBounds;
        _instruments = [first];
    }

    public string Name { get; }

    public InstrumentKind Kind { get; }

    public string? Description { get; }

    public double[] UpperBounds { get; }

    public string PrometheusType => Kind switch
    {
        InstrumentKind.Counter or InstrumentKind.ObservableCounter => "counter",
        InstrumentKind.Histogram => "histogram",
        _ => "gauge",
    };

    public IReadOnlyList<InstrumentState> Instruments => Volatile.Read(ref _instruments);

    public bool IsEmpty => _instruments.Length == 0;

    /// <summary>Joins <paramref name="state"/> to this family if it is the same kind with the same buckets.</summary>
    public bool TryAdd(InstrumentState state)
    {
        if (state.Kind != Kind || !state.UpperBounds.AsSpan().SequenceEqual(UpperBounds))
        {
            return false;
        }

        Volatile.Write(ref _instruments, [.. _instruments, state]);
        return true;
    }

    public void Remove(InstrumentState state)
    {
        if (Array.IndexOf(_instruments, state) >= 0)
        {
            Volatile.Write(ref _instruments, _instruments.Where(i => i != state).ToArray());
        }
    }
}
