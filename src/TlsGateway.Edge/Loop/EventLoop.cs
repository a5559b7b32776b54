using System.Collections.Concurrent;
using TlsGateway.Interop;

namespace TlsGateway.Edge.Loop;

/// <summary>
/// One thread and one epoll set, edge-triggered, as an nginx worker: it owns the descriptors
/// registered with it, and their handlers read until a socket is empty and write until it is full
/// (each new arrival raises a new event). Nothing here blocks but the
/// wait itself; work from other threads arrives through <see cref="Post"/> (an eventfd wakes the
/// wait). Once per tick every ticking handler is called, which is how handshake, connect and idle
/// deadlines are kept: one pass over the connections instead of a timer per connection.
/// Scratch buffers are shared by every connection of the loop, so an idle connection holds none.
/// A handler that has read its share in one go defers the rest to the next turn
/// (<see cref="Defer"/>), so one fast transfer cannot hold up the other connections, the
/// deadlines or posted work.
/// </summary>
internal sealed class EventLoop
{
    /// <summary>How often deadlines are checked; a timeout fires up to this much late.</summary>
    public const int TickMilliseconds = 100;

    private const uint WakerTag = uint.MaxValue;

    private readonly int _epoll;
    private readonly int _waker;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly HashSet<ILoopHandler> _ticking = new(ReferenceEqualityComparer.Instance);
    private readonly List<ILoopHandler> _tickScratch = new();
    private List<ILoopHandler> _deferred = new();
    private List<ILoopHandler> _deferredScratch = new();
    private Registration[] _registrations = new Registration[1024];
    private uint _generation;

    public EventLoop(int index)
    {
        _epoll = NativeLoop.Create();
        _waker = NativeLoop.CreateWaker();
        NativeLoop.Add(_epoll, _waker, NativeLoop.Readable | NativeLoop.EdgeTriggered, (ulong)WakerTag << 32);
        var thread = new Thread(Run) { IsBackground = true, Name = $"tlsgw-loop-{index}" };
        thread.Start();
    }

    /// <summary>Ciphertext read from a client or a TLS upstream: one TLS record and some.</summary>
    public byte[] Input { get; } = new byte[16 * 1024 + 512];

    /// <summary>Plaintext: decrypted from a client or a TLS upstream, or read from a plaintext upstream.</summary>
    public byte[] Plaintext { get; } = new byte[16 * 1024];

    /// <summary>Ciphertext OpenSSL produced, to be sent to a client or a TLS upstream.</summary>
    public byte[] Output { get; } = new byte[64 * 1024];

    /// <summary>Runs <paramref name="action"/> on the loop's thread, soon.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        NativeLoop.Signal(_waker);
    }

    /// <summary>Runs <paramref name="action"/> on the loop's thread; completes (or fails) when it has run.</summary>
    public Task InvokeAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Registers <paramref name="fd"/> for <paramref name="events"/> (loop thread only).</summary>
    public void Register(int fd, ILoopHandler handler, uint events)
    {
        if (fd >= _registrations.Length)
        {
            Array.Resize(ref _registrations, Math.Max(fd + 1, _registrations.Length * 2));
        }

        // The generation tells a new registration from an old one of the same descriptor number: an
        // event fetched for a descriptor closed since must not reach the handler of the next one.
        uint generation = ++_generation == WakerTag ? ++_generation : _generation;
        _registrations[fd] = new Registration(handler, generation);
        NativeLoop.Add(_epoll, fd, events, ((ulong)generation << 32) | (uint)fd);
    }

    /// <summary>
    /// Forgets <paramref name="fd"/> (loop thread only). A descriptor about to be closed leaves the
    /// epoll set with the close; one that stays open elsewhere (a listening socket) is removed from it.
    /// </summary>
    public void Unregister(int fd, bool stillOpen = false)
    {
        _registrations[fd] = default;
        if (stillOpen)
        {
            NativeLoop.Remove(_epoll, fd);
        }
    }

    /// <summary>Calls <paramref name="handler"/>'s <see cref="ILoopHandler.OnDeferred"/> on the next turn, without waiting for an event (loop thread only).</summary>
    public void Defer(ILoopHandler handler) => _deferred.Add(handler);

    /// <summary>Adds a handler whose <see cref="ILoopHandler.OnTick"/> runs every tick (loop thread only).</summary>
    public void StartTicking(ILoopHandler handler) => _ticking.Add(handler);

    public void StopTicking(ILoopHandler handler) => _ticking.Remove(handler);

    /// <summary>The ticking handlers, for a caller that must reach them all (loop thread only).</summary>
    public IEnumerable<ILoopHandler> Ticking => _ticking;

    private void Run()
    {
        var events = new LoopEvent[256];
        long nextTick = Environment.TickCount64 + TickMilliseconds;
        while (true)
        {
            int wait = _deferred.Count > 0 ? 0 : (int)Math.Clamp(nextTick - Environment.TickCount64, 0, TickMilliseconds);
            int count = NativeLoop.Wait(_epoll, events, wait);
            for (int i = 0; i < count; i++)
            {
                Dispatch(events[i]);
            }

            RunDeferred();

            while (_posted.TryDequeue(out Action? action))
            {
                try
                {
                    action();
                }
                catch (Exception e)
                {
                    // Posted work reports its own failures (InvokeAsync, the acceptor's start); this
                    // is the last guard of a thread every connection on it depends on.
                    Console.Error.WriteLine($"tlsgw: unexpected failure of work posted to an event loop: {e}");
                }
            }

            long now = Environment.TickCount64;
            if (now >= nextTick)
            {
                nextTick += TickMilliseconds;
                if (nextTick <= now)
                {
                    nextTick = now + TickMilliseconds; // a turn took longer than a tick: no burst of catch-up ticks
                }

                Tick(now);
            }
        }
    }

    private void Dispatch(LoopEvent ready)
    {
        uint generation = (uint)(ready.Data >> 32);
        if (generation == WakerTag)
        {
            NativeLoop.Drain(_waker);
            return;
        }

        int fd = (int)(uint)ready.Data;
        Registration registration = _registrations[fd];
        if (registration.Generation != generation || registration.Handler is not { } handler)
        {
            return; // for a descriptor closed (and maybe reused) since the event was fetched
        }

        try
        {
            handler.OnEvent(fd, ready.Events);
        }
        catch (Exception e)
        {
            Crash(handler, e);
        }
    }

    private void RunDeferred()
    {
        // Handlers may defer again while this runs: they go to the next turn.
        (_deferred, _deferredScratch) = (_deferredScratch, _deferred);
        foreach (ILoopHandler handler in _deferredScratch)
        {
            try
            {
                handler.OnDeferred();
            }
            catch (Exception e)
            {
                Crash(handler, e);
            }
        }

        _deferredScratch.Clear();
    }

    private void Tick(long now)
    {
        // A handler may stop ticking (close) while being ticked: walk a copy.
        _tickScratch.AddRange(_ticking);
        foreach (ILoopHandler handler in _tickScratch)
        {
            try
            {
                handler.OnTick(now);
            }
            catch (Exception e)
            {
                Crash(handler, e);
            }
        }

        _tickScratch.Clear();
    }

    private static void Crash(ILoopHandler handler, Exception exception)
    {
        try
        {
            handler.OnCrash(exception);
        }
        catch
        {
            // The handler could not even clean up; the loop must go on for every other connection.
        }
    }

    private readonly record struct Registration(ILoopHandler? Handler, uint Generation);
}
