using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>An EVP_MD_CTX hashing SM3: an incremental hash whose state OpenSSL cleanses when it is freed.</summary>
public sealed class SafeSm3Handle : SafeHandle
{
    public SafeSm3Handle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TlsGwNative.Sm3Destroy(handle);
        return true;
    }
}
