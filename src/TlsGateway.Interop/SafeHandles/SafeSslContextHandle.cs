using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An SSL_CTX. OpenSSL reference-counts it: connections created from it keep it alive after this handle is released.</summary>
public sealed class SafeSslContextHandle : SafeHandle
{
    public SafeSslContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.SslCtxDestroy(handle);
        return true;
    }
}
