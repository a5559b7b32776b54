using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>A STACK_OF(X509_CRL) that owns its CRLs; a store they are added to takes references of its own.</summary>
public sealed class SafeRevocationListHandle : SafeHandle
{
    public SafeRevocationListHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.X509CrlListDestroy(handle);
        return true;
    }
}
