using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An SSL with its two memory BIOs: one connection.</summary>
public sealed class SafeSslHandle : SafeHandle
{
    public SafeSslHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    private GCHandle _callbacks;

    /// <summary>
    /// Ties the managed callbacks of this connection to the native SSL (SSL_set_app_data holds
    /// the GCHandle). Freed only after SSL_free, so OpenSSL can never call into a freed handle.
    /// </summary>
    internal void AttachCallbacks(GCHandle callbacks) => _callbacks = callbacks;

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.SslDestroy(handle);
        if (_callbacks.IsAllocated)
        {
            _callbacks.Free();
        }

        return true;
    }
}
