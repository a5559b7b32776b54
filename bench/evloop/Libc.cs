using System.Runtime.InteropServices;

namespace TlsGateway.Bench.EvLoop;

/// <summary>epoll(7) and socket calls on raw descriptors; errors as -errno.</summary>
internal static partial class Libc
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EINPROGRESS = 115;
    public const int ECONNABORTED = 103;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 0x80000000;
    private const int SockNonblock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int MsgNosignal = 0x4000;

    // x86-64's struct epoll_event is packed (12 bytes); other architectures align it to 16.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public static int EpollCreate() => Check(epoll_create1(SockCloexec));

    public static void EpollAdd(int epoll, int fd, uint events)
    {
        var e = new EpollEvent { Events = events, Data = (ulong)fd };
        Check(epoll_ctl(epoll, 1, fd, ref e));
    }

    public static int EpollWait(int epoll, Span<EpollEvent> events)
    {
        while (true)
        {
            int n = epoll_wait(epoll, events, events.Length, -1);
            if (n >= 0 || Marshal.GetLastPInvokeError() != EINTR)
            {
                return Check(n);
            }
        }
    }

    public static int Accept(int listener)
    {
        int fd = accept4(listener, IntPtr.Zero, IntPtr.Zero, SockNonblock | SockCloexec);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A non-blocking IPv4 TCP connect to 127.0.0.1:port; returns the descriptor (connect in progress).</summary>
    public static int ConnectLoopback(int port)
    {
        int fd = Check(socket(2, 1 | SockNonblock | SockCloexec, 0));
        if (connect(fd, Loopback(port, stackalloc byte[16]), 16) < 0 && Marshal.GetLastPInvokeError() != EINPROGRESS)
        {
            int error = Marshal.GetLastPInvokeError();
            close(fd);
            throw new IOException($"connect: errno {error}");
        }

        return fd;
    }

    /// <summary>A non-blocking IPv4 TCP socket listening on 127.0.0.1:port.</summary>
    public static int ListenLoopback(int port)
    {
        int fd = Check(socket(2, 1 | SockNonblock | SockCloexec, 0));
        int one = 1;
        setsockopt(fd, 1, 2, ref one, sizeof(int)); // SO_REUSEADDR
        Check(bind(fd, Loopback(port, stackalloc byte[16]), 16));
        Check(listen(fd, 1024));
        return fd;
    }

    private static ReadOnlySpan<byte> Loopback(int port, Span<byte> address)
    {
        address.Clear();
        address[0] = 2; // AF_INET, little-endian sa_family
        address[2] = (byte)(port >> 8);
        address[3] = (byte)port;
        address[4] = 127;
        address[7] = 1;
        return address;
    }

    public static void NoDelay(int fd)
    {
        int one = 1;
        setsockopt(fd, 6, 1, ref one, sizeof(int));
    }

    public static int SocketError(int fd)
    {
        int error = 0;
        int length = sizeof(int);
        return getsockopt(fd, 1, 4, ref error, ref length) < 0 ? Marshal.GetLastPInvokeError() : error;
    }

    public static int Receive(int fd, Span<byte> buffer)
    {
        nint n = recv(fd, buffer, buffer.Length, 0);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    public static int Send(int fd, ReadOnlySpan<byte> data)
    {
        nint n = send(fd, data, data.Length, MsgNosignal);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    public static void ShutdownSend(int fd) => shutdown(fd, 1);

    public static void Close(int fd) => close(fd);

    private static int Check(int result) => result >= 0 ? result : throw new IOException($"errno {Marshal.GetLastPInvokeError()}");

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent e);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, Span<EpollEvent> events, int max, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int accept4(int fd, IntPtr address, IntPtr length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, ReadOnlySpan<byte> address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, ReadOnlySpan<byte> address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, ref int value, ref int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, Span<byte> buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, ReadOnlySpan<byte> buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
