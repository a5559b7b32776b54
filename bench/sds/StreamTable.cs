using System.Diagnostics;

namespace TlsGateway.Bench.Sds;

/// <summary>
/// What the client keeps per stream, in flat arrays (24 bytes a stream, no object per stream
/// beyond the gRPC call itself): when its first response came, when it first saw a version
/// other than its first (the renewal), and how many responses it has had. Each slot is written
/// only by its own stream's loop; the counters are what the waiting code polls.
/// Times are UTC Unix milliseconds, taken from one wall-clock reading at start plus the
/// monotonic Stopwatch, so they compare with the agent's log timestamps and do not jump.
/// </summary>
internal sealed class StreamTable
{
    private readonly long[] _firstAt;
    private readonly long[] _rotatedAt;
    private readonly int[] _responses;
    private readonly List<string> _versions = [];
    private readonly Dictionary<string, int> _versionIds = new(StringComparer.Ordinal);
    private readonly int[] _firstVersion;
    private readonly long _baseTimestamp = Stopwatch.GetTimestamp();
    private readonly double _baseUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private int _opened;
    private int _rotated;
    private int _failed;
    private string? _firstError;

    public StreamTable(int streams)
    {
        _firstAt = new long[streams];
        _rotatedAt = new long[streams];
        _responses = new int[streams];
        _firstVersion = new int[streams];
    }

    public int Count => _firstAt.Length;

    /// <summary>Streams that have had their first response.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Streams that have seen a second version.</summary>
    public int Rotated => Volatile.Read(ref _rotated);

    /// <summary>Streams that ended with an error.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public string? FirstError => Volatile.Read(ref _firstError);

    /// <summary>Wall-clock now, UTC Unix milliseconds (fractional).</summary>
    public double NowMs() => _baseUnixMs + Stopwatch.GetElapsedTime(_baseTimestamp).TotalMilliseconds;

    /// <summary>Records a response to stream I; returns true when it is the stream's first.</summary>
    public bool Received(int i, string version, double atMs)
    {
        int id = VersionId(version);
        int responses = ++_responses[i];
        if (responses == 1)
        {
            _firstVersion[i] = id;
            Volatile.Write(ref _firstAt[i], ToStored(atMs));
            Interlocked.Increment(ref _opened);
            return true;
        }

        if (id != _firstVersion[i] && _rotatedAt[i] == 0)
        {
            Volatile.Write(ref _rotatedAt[i], ToStored(atMs));
            Interlocked.Increment(ref _rotated);
        }

        return false;
    }

    public void Fail(string error)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstError, error, null);
    }

    /// <summary>Every recorded first-response time, in ms.</summary>
    public double[] FirstTimes() => Collect(_firstAt);

    /// <summary>Every recorded renewal time, in ms.</summary>
    public double[] RotationTimes() => Collect(_rotatedAt);

    /// <summary>Distinct versions seen by any stream, in order of first sight.</summary>
    public IReadOnlyList<string> Versions()
    {
        lock (_versionIds)
        {
            return [.. _versions];
        }
    }

    public long TotalResponses()
    {
        long total = 0;
        for (int i = 0; i < _responses.Length; i++)
        {
            total += Volatile.Read(ref _responses[i]);
        }

        return total;
    }

    private int VersionId(string version)
    {
        lock (_versionIds)
        {
            if (!_versionIds.TryGetValue(version, out int id))
            {
                id = _versions.Count;
                _versions.Add(version);
                _versionIds.Add(version, id);
            }

            return id;
        }
    }

    // Stored as microseconds since the Unix epoch so that 0 can mean "not yet".
    private static long ToStored(double ms) => (long)(ms * 1000);

    private static double[] Collect(long[] stored)
    {
        var times = new List<double>(stored.Length);
        foreach (long t in stored)
        {
            if (t != 0)
            {
                times.Add(t / 1000.0);
            }
        }

        double[] sorted = [.. times];
        Array.Sort(sorted);
        return sorted;
    }
}
