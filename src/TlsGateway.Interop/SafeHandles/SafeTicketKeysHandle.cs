using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>A native session-ticket key ring (pal_ticket.c). Contexts using it hold their own reference.</summary>
public sealed class SafeTicketKeysHandle : SafeHandle
{
    public SafeTicketKeysHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.TicketKeysDestroy(handle);
        return true;
    }
}
