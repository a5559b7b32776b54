using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>
/// The function pointers OpenSSL calls during a handshake. The cookie is the GCHandle of the
/// connection's <see cref="INativeConnectionCallbacks"/>, stored with SSL_set_app_data.
/// Nothing may escape an UnmanagedCallersOnly method, so every failure becomes a refusal.
/// </summary>
internal static unsafe class NativeCallbacks
{
    public static delegate* unmanaged<IntPtr, byte*, byte*, int, IntPtr*, int> ServerName => &OnServerName;

    public static delegate* unmanaged<IntPtr, byte*, int*, int, int> Authorize => &OnAuthorize;

    [UnmanagedCallersOnly]
    private static int OnServerName(IntPtr cookie, byte* serverName, byte* alpn, int alpnLength, IntPtr* selected)
    {
        try
        {
            if (cookie == IntPtr.Zero || GCHandle.FromIntPtr(cookie).Target is not INativeConnectionCallbacks callbacks)
            {
                return 0;
            }

            string? name = serverName == null ? null : Marshal.PtrToStringUTF8((IntPtr)serverName);
            var offer = alpn == null || alpnLength <= 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(alpn, alpnLength);
            SafeSslContextHandle? context = callbacks.SelectContext(name, offer);
            if (context is null || context.IsInvalid || context.IsClosed)
            {
                return 0;
            }

            // Borrowed: the connection keeps its server context (and so this handle) alive, and
            // SSL_set_SSL_CTX takes OpenSSL's own reference before this handle could go away.
            *selected = context.DangerousGetHandle();
            return 1;
        }
        catch
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly]
    private static int OnAuthorize(IntPtr cookie, byte* chain, int* lengths, int count)
    {
        try
        {
            if (cookie == IntPtr.Zero || count <= 0 || GCHandle.FromIntPtr(cookie).Target is not INativeConnectionCallbacks callbacks)
            {
                return 0;
            }

            var lengthSpan = new ReadOnlySpan<int>(lengths, count);
            long total = 0;
            foreach (int length in lengthSpan)
            {
                total += length;
            }

            return callbacks.AuthorizePeer(new ReadOnlySpan<byte>(chain, checked((int)total)), lengthSpan) ? 1 : 0;
        }
        catch
        {
            return 0;
        }
    }
}
