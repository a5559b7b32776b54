using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>One readiness event from <see cref="NativeLoop.Wait"/> (TlsGwLoopEvent in pal_loop.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LoopEvent
{
    /// <summary>What the descriptor was registered with (<see cref="NativeLoop.Add"/>).</summary>
    public ulong Data;

    /// <summary>The epoll event bits (<see cref="NativeLoop.Readable"/> and the others).</summary>
    public uint Events;

    private readonly uint _reserved;
}
