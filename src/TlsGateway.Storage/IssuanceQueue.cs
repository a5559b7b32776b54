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

    public Pending Enqueue(IssuedCertificate certificate, AuditEntry audit)
    {
        var pending = new Pending(certificate, audit);
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

    internal sealed class Pending(IssuedCertificate certificate, AuditEntry audit)
    {
        private const int Queued = 0;
        private const int Claimed = 1;
        private const int Cancelled = 2;

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public IssuedCertificate Certificate { get; } = certificate;

        public AuditEntry Audit { get; } = audit;

        public Task Task => _done.Task;

        /// <summary>A committer takes the row; false when its caller gave up first.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

        /// <summary>The caller gives up; false when a committer already has the row (its outcome then stands).</summary>
        public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

        public void Succeed() => _done.TrySetResult();

        public void Fail(Exception error) => _done.TrySetException(error);
    }
}
