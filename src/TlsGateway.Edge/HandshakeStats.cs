using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Handshake outcomes of a listener: one counter per failure reason, as Envoy's TLS stats do.
/// Lock-free; read by metrics and tests.
/// </summary>
public sealed class HandshakeStats
{
    private readonly long[] _failures = new long[Enum.GetValues<TlsFailureReason>().Length];
    private long _completed;
    private long _resumed;
    private long _rejectedAtAccept;
    private long _rateLimited;

    public long Completed => Interlocked.Read(ref _completed);

    public long Resumed => Interlocked.Read(ref _resumed);

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

    internal void RecordCompleted(bool resumed)
    {
        Interlocked.Increment(ref _completed);
        if (resumed)
        {
            Interlocked.Increment(ref _resumed);
        }
    }

    internal void RecordFailed(TlsFailureReason reason) => Interlocked.Increment(ref _failures[(int)reason]);

    internal void RecordRejectedAtAccept() => Interlocked.Increment(ref _rejectedAtAccept);

    internal void RecordRateLimited() => Interlocked.Increment(ref _rateLimited);
}
