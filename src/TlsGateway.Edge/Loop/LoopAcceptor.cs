using TlsGateway.Interop;

namespace TlsGateway.Edge.Loop;

/// <summary>
/// A listening socket on one loop: accepts until the queue is empty and hands each client to the
/// listener. Every loop of the process registers the socket with EPOLLEXCLUSIVE, so a new client
/// wakes one loop, not all. Out of descriptors (EMFILE, ENFILE) or kernel memory, accepting
/// pauses for a tick (nginx pauses too): accepting again at once would fail again at once, and
/// the kernel keeps new clients queued meanwhile.
/// </summary>
internal sealed class LoopAcceptor(EventLoop loop, TlsListener listener, int fd) : ILoopHandler
{
    private bool _paused;

    public EventLoop Loop => loop;

    /// <summary>Starts accepting (loop thread). Clients queued already raise the first event.</summary>
    public void Start()
    {
        try
        {
            loop.Register(fd, this, NativeLoop.Readable | NativeLoop.EdgeTriggered | NativeLoop.Exclusive);
            loop.StartTicking(this);
        }
        catch (IOException e)
        {
            listener.RecordCrash(null, e); // no descriptor left for the epoll set, or no memory: loud
        }
    }

    /// <summary>Stops accepting (loop thread); the socket stays open for its owner to close.</summary>
    public void Stop()
    {
        loop.StopTicking(this);
        loop.Unregister(fd, stillOpen: true);
    }

    public void OnEvent(int fd, uint events)
    {
        if (!_paused)
        {
            AcceptAll();
        }
    }

    public void OnDeferred()
    {
    }

    public void OnTick(long now)
    {
        if (_paused)
        {
            _paused = false;
            AcceptAll(); // edge-triggered: what queued meanwhile raises no new event
        }
    }

    public void OnCrash(Exception exception)
    {
        listener.RecordCrash(null, exception);
        _paused = true; // the rest of the queue is taken up next tick
    }

    private void AcceptAll()
    {
        Span<byte> address = stackalloc byte[NativeLoop.AddressCapacity];
        while (true)
        {
            int client = NativeLoop.Accept(fd, address, out int length);
            if (client >= 0)
            {
                listener.Accepted(loop, client, address[..length]);
                continue;
            }

            if (client == NativeLoop.Again)
            {
                return;
            }

            if (client is NativeLoop.TooManyOpenFiles or NativeLoop.FileTableOverflow or NativeLoop.NoBufferSpace or NativeLoop.OutOfMemory)
            {
                _paused = true;
                listener.AcceptPaused(EventLoop.TickMilliseconds);
                return;
            }

            // A client gone between its SYN and the accept (ECONNABORTED), or a network error
            // accept(2) passes on from the new connection (EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN,
            // ENONET, EHOSTUNREACH, ENETUNREACH, EPERM): that client is lost, the next is not. Any
            // other error is tried again next tick: never a spin, and never clients left in the
            // queue until the next one arrives (edge-triggered, this event is used up).
            if (-client is not (103 or 71 or 100 or 92 or 112 or 64 or 113 or 101 or 1))
            {
                _paused = true;
                listener.AcceptFailed(NativeLoop.Describe(client), EventLoop.TickMilliseconds);
                return;
            }
        }
    }
}
