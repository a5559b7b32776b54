using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>A STACK_OF(X509), leaf first, that owns its certificates.</summary>
public sealed class SafeCertificateChainHandle : SafeHandle
{
    public SafeCertificateChainHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.X509ChainDestroy(handle);
        return true;
    }
}
