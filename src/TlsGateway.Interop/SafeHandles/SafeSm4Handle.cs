using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>One SM4 key scheduled into OpenSSL's ECB, CTR and CBC contexts (pal_sm.c); the schedules are cleansed when it is freed.</summary>
public sealed class SafeSm4Handle : SafeHandle
{
    public SafeSm4Handle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.Sm4Destroy(handle);
        return true;
    }
}
