using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>
/// The system calls of the edge's event loops (pal_loop.c): an epoll set, a waker, and
/// non-blocking sockets as bare descriptors. Results are counts or descriptors, and errors come
/// back as negative errno values (<see cref="Again"/> and the others), never as exceptions: the
/// loop handles a reset or a full buffer as an ordinary outcome, on the hot path.
/// </summary>
public static class NativeLoop
{
    public const uint Readable = 0x001;       // EPOLLIN
    public const uint Writable = 0x004;       // EPOLLOUT
    public const uint Error = 0x008;          // EPOLLERR
    public const uint HangUp = 0x010;         // EPOLLHUP
    public const uint PeerHalfClosed = 0x2000; // EPOLLRDHUP
    public const uint Exclusive = 1u << 28;   // EPOLLEXCLUSIVE
    public const uint EdgeTriggered = 1u << 31; // EPOLLET

    public const int Again = -11;             // -EAGAIN
    public const int InProgress = -115;       // -EINPROGRESS
    public const int ConnectionAborted = -103; // -ECONNABORTED
    public const int ConnectionReset = -104;  // -ECONNRESET
    public const int TooManyOpenFiles = -24;  // -EMFILE
    public const int FileTableOverflow = -23; // -ENFILE
    public const int NoBufferSpace = -105;    // -ENOBUFS
    public const int OutOfMemory = -12;       // -ENOMEM

    /// <summary>Large enough for a sockaddr_in6.</summary>
    public const int AddressCapacity = 28;

    private const int AddOp = 1;
    private const int DeleteOp = 2;
    private const int AfInet = 2;
    private const int AfInet6 = 10;

    public static int Create() => Checked(TlsGwNative.LoopCreate(), "epoll_create1");

    /// <summary>Registers <paramref name="fd"/>; each event for it carries <paramref name="data"/>.</summary>
    public static void Add(int epoll, int fd, uint events, ulong data) => Checked(TlsGwNative.LoopControl(epoll, AddOp, fd, events, data), "epoll_ctl(ADD)");

    /// <summary>Takes <paramref name="fd"/> out of the set (closing it does too, unless another process shares it); -errno on failure.</summary>
    public static int Remove(int epoll, int fd) => TlsGwNative.LoopControl(epoll, DeleteOp, fd, 0, 0);

    public static int Wait(int epoll, Span<LoopEvent> events, int timeoutMs) => Checked(TlsGwNative.LoopWait(epoll, events, events.Length, timeoutMs), "epoll_wait");

    public static int CreateWaker() => Checked(TlsGwNative.LoopWakerCreate(), "eventfd");

    public static void Signal(int waker) => TlsGwNative.LoopWakerSignal(waker);

    public static void Drain(int waker) => TlsGwNative.LoopWakerDrain(waker);

    /// <summary>Accepts one client (non-blocking, TCP_NODELAY); its address goes into <paramref name="address"/>. The descriptor, or -errno.</summary>
    public static int Accept(int listener, Span<byte> address, out int addressLength)
    {
        addressLength = address.Length;
        return TlsGwNative.LoopAccept(listener, address, ref addressLength);
    }

    /// <summary>Starts a connection: 0 when connected at once, <see cref="InProgress"/> while it is made, else -errno (then <paramref name="fd"/> is -1).</summary>
    public static int Connect(IPEndPoint endpoint, out int fd)
    {
        Span<byte> address = stackalloc byte[AddressCapacity];
        int length = Encode(endpoint, address);
        return TlsGwNative.LoopConnect(address, length, out fd);
    }

    /// <summary>0 once a connect succeeded, else the (positive) errno that ended it.</summary>
    public static int SocketError(int fd) => TlsGwNative.LoopSocketError(fd);

    public static int Receive(int fd, Span<byte> buffer) => TlsGwNative.LoopReceive(fd, buffer, buffer.Length);

    public static int Send(int fd, ReadOnlySpan<byte> data) => TlsGwNative.LoopSend(fd, data, data.Length);

    /// <summary>1 when bytes wait, 0 at the end of the stream, <see cref="Again"/> when empty, else -errno (a reset). Reads nothing.</summary>
    public static int Peek(int fd) => TlsGwNative.LoopPeek(fd);

    public static int ShutdownSend(int fd) => TlsGwNative.LoopShutdownSend(fd);

    public static void Close(int fd) => TlsGwNative.LoopClose(fd);

    /// <summary>The socket's own address, or null if it has none (or is not IP).</summary>
    public static IPEndPoint? LocalEndPoint(int fd)
    {
        Span<byte> address = stackalloc byte[AddressCapacity];
        int length = address.Length;
        return TlsGwNative.LoopLocalAddress(fd, address, ref length) == 0 ? Decode(address[..length]) : null;
    }

    /// <summary>A sockaddr_in or sockaddr_in6 as an endpoint; null for any other family.</summary>
    public static IPEndPoint? Decode(ReadOnlySpan<byte> address)
    {
        if (address.Length < 2)
        {
            return null;
        }

        int family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        if (family == AfInet && address.Length >= 8)
        {
            return new IPEndPoint(new IPAddress(address.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }

        if (family == AfInet6 && address.Length >= 28)
        {
            long scope = BinaryPrimitives.ReadUInt32LittleEndian(address[24..]);
            return new IPEndPoint(new IPAddress(address.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }

        return null;
    }

    /// <summary>Writes <paramref name="endpoint"/> as a sockaddr_in or sockaddr_in6; returns its length.</summary>
    public static int Encode(IPEndPoint endpoint, Span<byte> address)
    {
        address.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(address[2..], (ushort)endpoint.Port);
        if (endpoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(address, AfInet);
            endpoint.Address.TryWriteBytes(address.Slice(4, 4), out _);
            return 16;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(address, AfInet6);
        endpoint.Address.TryWriteBytes(address.Slice(8, 16), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(address[24..], (uint)endpoint.Address.ScopeId);
        return 28;
    }

    /// <summary>The system's text for a (positive or negative) errno, e.g. "Connection refused".</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(Math.Abs(errno));

    private static int Checked(int result, string call) =>
        result >= 0 ? result : throw new IOException($"{call} failed: {Describe(result)}");
}
