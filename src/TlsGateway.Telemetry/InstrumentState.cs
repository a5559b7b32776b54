using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TlsGateway.Telemetry;

/// <summary>
/// What the collector keeps for one enabled instrument: its kind, the family it belongs to and
/// its series by tag set. It is the state object handed to <see cref="MeterListener"/>, so a
/// measurement reaches its series without any lookup of the instrument itself.
/// </summary>
internal sealed class InstrumentState
{
    // Prometheus client libraries' default buckets, used when the instrument gives no advice.
    private static readonly double[] s_defaultUpperBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<TagSet, Series> _series = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, Series>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;

    // The untagged series, cached because many counters never carry tags; reset with _series.
    private Series? _untagged;

    private InstrumentState(Instrument instrument, InstrumentKind kind, bool isIntegral, double[] upperBounds)
    {
        Kind = kind;
        IsIntegral = isIntegral;
        UpperBounds = upperBounds;
        FamilyName = PrometheusNames.FamilyName(instrument.Name, kind);
        Description = instrument.Description;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    public InstrumentKind Kind { get; }

    /// <summary>True for byte/short/int/long instruments, whose values are kept and printed as integers.</summary>
    public bool IsIntegral { get; }

    /// <summary>Histogram bucket upper bounds, ascending, without +Inf; empty for other kinds.</summary>
    public double[] UpperBounds { get; }

    public string FamilyName { get; }

    public string? Description { get; }

    public bool IsObservable => Kind is InstrumentKind.ObservableCounter or InstrumentKind.ObservableUpDownCounter or InstrumentKind.ObservableGauge;

    // Enumerating the dictionary itself takes no locks, unlike its Values property.
    public IEnumerable<Series> Series => _series.Select(pair => pair.Value);

    /// <summary>Null for instruments we do not expose (a custom Instrument subclass, or an unsupported T).</summary>
    public static InstrumentState? TryCreate(Instrument instrument)
    {
        Type type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        Type definition = type.GetGenericTypeDefinition();
        InstrumentKind? kind =
            definition == typeof(Counter<>) ? InstrumentKind.Counter :
            definition == typeof(UpDownCounter<>) ? InstrumentKind.UpDownCounter :
            definition == typeof(Histogram<>) ? InstrumentKind.Histogram :
            definition == typeof(Gauge<>) ? InstrumentKind.Gauge :
            definition == typeof(ObservableCounter<>) ? InstrumentKind.ObservableCounter :
            definition == typeof(ObservableUpDownCounter<>) ? InstrumentKind.ObservableUpDownCounter :
            definition == typeof(ObservableGauge<>) ? InstrumentKind.ObservableGauge :
            null;
        Type t = type.GetGenericArguments()[0];
        bool isIntegral = t == typeof(byte) || t == typeof(short) || t == typeof(int) || t == typeof(long);
        bool isFloating = t == typeof(float) || t == typeof(double) || t == typeof(decimal);
        if (kind is null || !(isIntegral || isFloating))
        {
            return null;
        }

        double[] upperBounds = kind == InstrumentKind.Histogram ? UpperBoundsOf(instrument) : [];
        return new InstrumentState(instrument, kind.Value, isIntegral, upperBounds);
    }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Series series = SeriesFor(tags);
        switch (Kind)
        {
            case InstrumentKind.Counter:
            case InstrumentKind.UpDownCounter:
                series.Add(value);
                break;
            case InstrumentKind.Histogram:
                series.Observe(value, UpperBounds);
                break;
            default:
                // Gauges, and observable instruments, which report their current total or level.
                series.Set(value);
                break;
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Series series = SeriesFor(tags);
        switch (Kind)
        {
            case InstrumentKind.Counter:
            case InstrumentKind.UpDownCounter:
                series.Add(value);
                break;
            case InstrumentKind.Histogram:
                series.Observe(value, UpperBounds);
                break;
            default:
                series.Set(value);
                break;
        }
    }

    /// <summary>
    /// Forgets every series. Called on observable instruments just before they are polled, so a
    /// series the callback no longer reports (a certificate no longer held) vanishes from the scrape.
    /// </summary>
    public void Reset()
    {
        _untagged = null;
        _series.Clear();
    }

    private Series SeriesFor(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            // GetOrAdd hands every racing thread the one stored series, so caching its answer is safe.
            return _untagged ??= _series.GetOrAdd(TagSet.Empty, NewSeries, this);
        }

        if (_lookup.TryGetValue(tags, out Series? series))
        {
            return series;
        }

        // First measurement with these tags: the one place that allocates (key, labels, series).
        return _series.GetOrAdd(TagSet.Create(tags), NewSeries, this);
    }

    private static Series NewSeries(TagSet tags, InstrumentState state)
    {
        bool isHistogram = state.Kind == InstrumentKind.Histogram;
        int bucketCount = isHistogram ? state.UpperBounds.Length + 1 : 0;
        return new Series(PrometheusNames.Labels(tags.Tags, isHistogram), bucketCount);
    }

    private static double[] UpperBoundsOf(Instrument instrument)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };

        if (advised is null)
        {
            return s_defaultUpperBounds;
        }

        // +Inf is always the last bucket and is written separately; NaN is no boundary at all.
        return advised.Where(b => !double.IsNaN(b) && !double.IsPositiveInfinity(b)).Distinct().Order().ToArray();
    }
}
