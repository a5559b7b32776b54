using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An EVP_MAC_CTX computing HMAC-SM3; holds its own copy of the key, cleansed when it is freed.</summary>
public sealed class SafeSm3HmacHandle : SafeHandle
{
    public SafeSm3HmacHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.Sm3HmacDestroy(handle);
        return true;
    }
}
