using System.Diagnostics;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Handshake and connection outcomes of one listener: one counter per failure reason, as
/// Envoy's TLS stats do. Each event is kept as a lock-free total (read by tests and logs) and
/// added to <see cref="EdgeMetrics"/> with the listener's name, for /metrics.
/// </summary>
public sealed class HandshakeStats
{
    private readonly long[] _failures = new long[Enum.GetValues<TlsFailureReason>().Length];
    private readonly KeyValuePair<string, object?> _listener;
    private long _completed;
    private long _resumed;
    private long _clientChainsFromCache;
    private long _rejectedAtAccept;
    private long _rateLimited;

    public HandshakeStats(string listener = "")
    {
        _listener = new KeyValuePair<string, object?>("listener", listener);
    }

    public long Completed => Interlocked.Read(ref _completed);

    public long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>Full handshakes whose client chain came from the verify cache instead of path validation.</summary>
    public long ClientChainsFromCache => Interlocked.Read(ref _clientChainsFromCache);

    /// <summary>Connections closed at accept because the listener was at its connection limit.</summary>
    public long RejectedAtAccept => Interlocked.Read(ref _rejectedAtAccept);

    /// <summary>Connections closed at accept because the listener's handshake rate was exceeded.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public long Failed(TlsFailureReason reason) => Interlocked.Read(ref _failures[(int)reason]);

    public long TotalFailed
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _failures.Length; i++)
            {
                total += Interlocked.Read(ref _failures[i]);
            }

            return total;
        }
    }

    internal void RecordAccepted()
    {
        EdgeMetrics.Connections.Add(1, _listener);
        EdgeMetrics.ActiveConnections.Add(1, _listener);
    }

    internal void RecordClosed() => EdgeMetrics.ActiveConnections.Add(-1, _listener);

    internal void RecordCompleted(HandshakeFacts facts, string engine, long startedAt)
    {
        Interlocked.Increment(ref _completed);
        if (facts.SessionReused)
        {
            Interlocked.Increment(ref _resumed);
        }

        var tags = new TagList
        {
            _listener,
            { "engine", engine },
            { "version", TlsVersionNames.ToDisplay(facts.Version) },
            { "cipher", facts.CipherName },
            { "resumed", facts.SessionReused ? "true" : "false" },
            { "result", "ok" },
        };
        EdgeMetrics.Handshakes.Add(1, tags);
        EdgeMetrics.HandshakeDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, _listener, new KeyValuePair<string, object?>("result", "ok"));

        // A resumed session carries the chain verified when it began: nothing was verified now.
        if (facts.PeerPresentedCertificate && !facts.SessionReused)
        {
            if (facts.PeerChainFromCache)
            {
                Interlocked.Increment(ref _clientChainsFromCache);
            }

            EdgeMetrics.ClientChainVerifications.Add(1, _listener, new KeyValuePair<string, object?>("source", facts.PeerChainFromCache ? "cache" : "full"));
        }
    }

    internal void RecordFailed(TlsFailureReason reason, string engine, long startedAt)
    {
        Interlocked.Increment(ref _failures[(int)reason]);
        var tags = new TagList
        {
            _listener,
            { "engine", engine },
            { "version", "" },
            { "cipher", "" },
            { "resumed", "false" },
            { "result", EdgeMetrics.ReasonLabel(reason) },
        };
        EdgeMetrics.Handshakes.Add(1, tags);
        EdgeMetrics.HandshakeDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, _listener, new KeyValuePair<string, object?>("result", "failed"));
    }

    internal void RecordRejectedAtAccept()
    {
        Interlocked.Increment(ref _rejectedAtAccept);
        EdgeMetrics.Rejected.Add(1, _listener, new KeyValuePair<string, object?>("reason", "connection_limit"));
    }

    internal void RecordAcceptPaused() => EdgeMetrics.AcceptPauses.Add(1, _listener);

    internal void RecordRateLimited()
    {
        Interlocked.Increment(ref _rateLimited);
        EdgeMetrics.Rejected.Add(1, _listener, new KeyValuePair<string, object?>("reason", "handshake_rate"));
    }
}
