using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>Layout of TlsGwHandshakeInfo in native/pal_ssl.h. Pointers are borrowed from the SSL.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeHandshakeInfo
{
    public int Version;
    public int SessionReused;
    public int VerifyResult;
    public int PeerCertificate;
    public int AlpnLength;
    public int ChainFromCache;
    public IntPtr Alpn;
    public IntPtr CipherName;
    public IntPtr ServerName;
    public IntPtr GroupName;
}
