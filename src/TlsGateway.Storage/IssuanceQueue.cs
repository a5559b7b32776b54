using System.Collections.Concurrent;

namespace TlsGateway.Storage;

/// <summary>
/// Group commit for ledger writes: callers enqueue their row and wait; whichever caller holds the
/// store's writer next commits everything queued in one transaction. Under load one commit
/// (one WAL append and lock round trip) then serves many certificates; a lone caller still
/// commits alone, at once. The same idea as PostgreSQL's commit_delay, without the delay.
/// </summary>
internal sealed class IssuanceQueue
{
    /// <summary>Most rows one transaction takes, so one commit never holds the writer for long.</summary>
    public const int MaxBatch = 256;

    private readonly ConcurrentQueue<Pending> _queue = new();

    /// <param name="cancellation">The caller's: a row whose caller has given up by the time the writer lock is held is not committed.</param>
    public Pending Enqueue(IssuedCertificate certificate, AuditEntry audit, CancellationToken cancellation = default)
    {
        var pending = new Pending(certificate, audit, cancellation);
        _queue.Enqueue(pending);
        return pending;
    }

    /// <summary>Takes up to <see cref="MaxBatch"/> rows whose callers are still waiting.</summary>
    public List<Pending> TakeBatch()
    {
        var batch = new List<Pending>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out Pending? pending))
        {
            if (pending.TryClaim())
            {
                batch.Add(pending);
            }
        }

        return batch;
    }

    internal sealed class Pending(IssuedCertificate certificate, AuditEntry audit, CancellationToken cancellation)
    {
        private const int Queued = 0;
        private const int Claimed = 1;
        private const int Cancelled = 2;

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public IssuedCertificate Certificate { get; } = certificate;

        public AuditEntry Audit { get; } = audit;

        /// <summary>The caller's cancellation: checked once the writer lock is held, just before the row is written.</summary>
        public CancellationToken Cancellation { get; } = cancellation;

        public Task Task => _done.Task;

        /// <summary>A committer takes the row; false when its caller gave up first.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

        /// <summary>The caller gives up; false when a committer already has the row (its outcome then stands).</summary>
        public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

        public void Succeed() => _done.TrySetResult();

        public void Fail(Exception error) => _done.TrySetException(error);
    }
}
