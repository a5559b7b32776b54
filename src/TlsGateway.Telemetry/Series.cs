namespace TlsGateway.Telemetry;

/// <summary>
/// The running state of one series (one instrument, one tag set), updated lock-free from any
/// thread: a sum or a last value for counters and gauges, per-bucket counts and a sum for
/// histograms. Integer instruments accumulate in a <c>long</c> so they print, and stay, exact.
/// </summary>
internal sealed class Series
{
    // Histograms only: per-bucket (not cumulative) counts; the last slot is the +Inf overflow bucket.
    private readonly long[]? _buckets;
    private long _long;
    private double _double;

    public Series(string labels, int bucketCount)
    {
        Labels = labels;
        _buckets = bucketCount > 0 ? new long[bucketCount] : null;
    }

    /// <summary>The rendered label set, <c>a="x",b="y"</c>, computed once when the series is created.</summary>
    public string Labels { get; }

    public long Long => Interlocked.Read(ref _long);

    // CompareExchange rather than a plain read: a double is not read atomically on every 32-bit platform.
    public double Double => Interlocked.CompareExchange(ref _double, 0d, 0d);

    public void Add(long value) => Interlocked.Add(ref _long, value);

    public void Add(double value)
    {
        double current = Volatile.Read(ref _double);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref _double, current + value, current);
            // Bitwise, as CompareExchange compares: 0.0 == -0.0 and NaN != NaN would mislead here.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }

    public void Set(long value) => Interlocked.Exchange(ref _long, value);

    public void Set(double value) => Interlocked.Exchange(ref _double, value);

    /// <summary>Counts <paramref name="value"/> in the first bucket whose upper bound is ≥ it (Prometheus "le").</summary>
    public void Observe(double value, double[] upperBounds)
    {
        int index = double.IsNaN(value) ? upperBounds.Length : Array.BinarySearch(upperBounds, value);
        if (index < 0)
        {
            index = ~index;
        }

        Interlocked.Increment(ref _buckets![index]);
        Add(value);
    }

    /// <summary>Adds this series' per-bucket counts into <paramref name="counts"/>.</summary>
    public void AddBucketsTo(long[] counts)
    {
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] += Interlocked.Read(ref _buckets![i]);
        }
    }
}
