using TlsGateway.Interop;

namespace TlsGateway.Bench.EvLoop;

/// <summary>Something that owns descriptors registered with the loop.</summary>
internal interface IHandler
{
    void OnEvent(int fd, uint events);
}

/// <summary>
/// One thread, one epoll set, edge-triggered: each descriptor is registered once for input and
/// output, and its handler reads or writes until EAGAIN, as nginx does.
/// </summary>
internal sealed class EventLoop
{
    private readonly int _epoll = NativeLoop.Create();
    private IHandler?[] _handlers = new IHandler?[4096];

    public void Add(int fd, IHandler handler, uint events)
    {
        if (fd >= _handlers.Length)
        {
            Array.Resize(ref _handlers, Math.Max(fd + 1, _handlers.Length * 2));
        }

        _handlers[fd] = handler;
        NativeLoop.Add(_epoll, fd, events | NativeLoop.EdgeTriggered, (ulong)fd);
    }

    /// <summary>Forgets the descriptor; closing it takes it out of the epoll set.</summary>
    public void Remove(int fd) => _handlers[fd] = null;

    public void Run()
    {
        var events = new LoopEvent[256];
        while (true)
        {
            int count = NativeLoop.Wait(_epoll, events, -1);
            for (int i = 0; i < count; i++)
            {
                int fd = (int)events[i].Data;
                _handlers[fd]?.OnEvent(fd, events[i].Events);
            }
        }
    }
}

/// <summary>Accepts until the queue is empty and starts a connection for each client.</summary>
internal sealed class Acceptor(EventLoop loop, Func<int, Connection> create) : IHandler
{
    public void OnEvent(int fd, uint events)
    {
        Span<byte> address = stackalloc byte[NativeLoop.AddressCapacity];
        while (true)
        {
            int client = NativeLoop.Accept(fd, address, out _);
            if (client == NativeLoop.ConnectionAborted)
            {
                continue; // a client gone between its SYN and the accept
            }

            if (client < 0)
            {
                return; // EAGAIN, or out of descriptors: the prototype has no pause-and-retry
            }

            loop.Add(client, create(client), NativeLoop.Readable | NativeLoop.Writable | NativeLoop.PeerHalfClosed);
        }
    }
}
