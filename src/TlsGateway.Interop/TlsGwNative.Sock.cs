using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_sock.c
public static partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_SockSendWithFds")]
    internal static partial int SockSendWithFds(int socket, ReadOnlySpan<byte> data, int length, ReadOnlySpan<int> fds, int count);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SockReceiveWithFds")]
    internal static partial int SockReceiveWithFds(int socket, Span<byte> data, int capacity, Span<int> fds, int maxFds, out int received);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SockSetCloseOnExec")]
    internal static partial int SockSetCloseOnExec(int fd, int closeOnExec);
}
