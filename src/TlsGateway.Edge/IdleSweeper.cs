using System.Collections.Concurrent;

namespace TlsGateway.Edge;

/// <summary>
/// One timer per listener instead of one per connection: forwarded connections register an
/// <see cref="IdleTracker"/>, touch it on every transfer, and the sweeper cancels those that
/// stayed silent past their timeout. Scales to many idle connections.
/// </summary>
public sealed class IdleSweeper : IAsyncDisposable
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<IdleTracker, byte> _trackers = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public int Count => _trackers.Count;

    public void Start() => _loop ??= SweepAsync();

    public IdleTracker Track(TimeSpan timeout, CancellationToken linked)
    {
        var tracker = new IdleTracker(this, timeout, linked);
        _trackers.TryAdd(tracker, 0);
        return tracker;
    }

    internal void Forget(IdleTracker tracker) => _trackers.TryRemove(tracker, out _);

    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(s_period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                long now = Environment.TickCount64;
                foreach (IdleTracker tracker in _trackers.Keys)
                {
                    tracker.ExpireIfIdle(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Listener disposed.
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}

/// <summary>The idle state of one forwarded connection; <see cref="Token"/> is cancelled when it has been idle too long.</summary>
public sealed class IdleTracker : IDisposable
{
    private readonly IdleSweeper _owner;
    private readonly CancellationTokenSource _source;
    private readonly long _timeoutMs;
    private long _lastActivity;

    internal IdleTracker(IdleSweeper owner, TimeSpan timeout, CancellationToken linked)
    {
        _owner = owner;
        _timeoutMs = (long)timeout.TotalMilliseconds;
        _source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _lastActivity = Environment.TickCount64;
    }

    public CancellationToken Token => _source.Token;

    public bool Expired { get; private set; }

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    internal void ExpireIfIdle(long now)
    {
        if (!Expired && now - Volatile.Read(ref _lastActivity) > _timeoutMs)
        {
            Expired = true;
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection ended between the scan and the cancel.
            }
        }
    }

    public void Dispose()
    {
        _owner.Forget(this);
        _source.Dispose();
    }
}
