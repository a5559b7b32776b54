using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An X509_STORE of trust anchors. Contexts using it hold their own reference.</summary>
public sealed class SafeTrustStoreHandle : SafeHandle
{
    public SafeTrustStoreHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.X509StoreDestroy(handle);
        return true;
    }
}
