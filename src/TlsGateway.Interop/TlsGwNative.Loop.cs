using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_loop.c
public static partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopCreate")]
    internal static partial int LoopCreate();

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopControl")]
    internal static partial int LoopControl(int epfd, int op, int fd, uint events, ulong data);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopWait")]
    internal static partial int LoopWait(int epfd, Span<LoopEvent> events, int capacity, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopWakerCreate")]
    internal static partial int LoopWakerCreate();

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopWakerSignal")]
    internal static partial int LoopWakerSignal(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopWakerDrain")]
    internal static partial int LoopWakerDrain(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopAccept")]
    internal static partial int LoopAccept(int listener, Span<byte> address, ref int addressLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopConnect")]
    internal static partial int LoopConnect(ReadOnlySpan<byte> address, int addressLength, out int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopSocketError")]
    internal static partial int LoopSocketError(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopReceive")]
    internal static partial int LoopReceive(int fd, Span<byte> buffer, int capacity);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopSend")]
    internal static partial int LoopSend(int fd, ReadOnlySpan<byte> data, int length);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopPeek")]
    internal static partial int LoopPeek(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopShutdownSend")]
    internal static partial int LoopShutdownSend(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopClose")]
    internal static partial int LoopClose(int fd);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_LoopLocalAddress")]
    internal static partial int LoopLocalAddress(int fd, Span<byte> address, ref int addressLength);
}
