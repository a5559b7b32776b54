using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An EVP_PKEY: key material in OpenSSL's memory or a reference to a key in hardware.</summary>
public sealed class SafePrivateKeyHandle : SafeHandle
{
    public SafePrivateKeyHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.PKeyDestroy(handle);
        return true;
    }
}
