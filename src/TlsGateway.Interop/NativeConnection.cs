using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

/// <summary>What a finished handshake negotiated, copied out of OpenSSL once.</summary>
/// <param name="PeerChainFromCache">
/// The peer's chain was accepted from the server context's verify cache (native/pal_verify_cache.c)
/// rather than validated anew; the authorizer ran either way.
/// </param>
public sealed record HandshakeFacts(
    int Version,
    string CipherName,
    string? ApplicationProtocol,
    string? ServerName,
    string? GroupName,
    bool SessionReused,
    bool PeerPresentedCertificate,
    int VerifyResult,
    bool PeerChainFromCache = false);

/// <summary>
/// One SSL over memory BIOs. The data-path calls return <see cref="NativeStatus"/> instead of
/// throwing: a failed handshake is an expected event, and its errors are drained by the caller
/// with <see cref="OpenSslErrorQueue.Drain"/> right after the call, on the same thread.
/// </summary>
public static class NativeConnection
{
    public static SafeSslHandle Create(SafeSslContextHandle ctx, bool isServer, INativeConnectionCallbacks? callbacks)
    {
        GCHandle cookie = callbacks is null ? default : GCHandle.Alloc(callbacks, GCHandleType.Normal);
        SafeSslHandle ssl = TlsGwNative.SslCreate(ctx, isServer ? 1 : 0, cookie.IsAllocated ? GCHandle.ToIntPtr(cookie) : IntPtr.Zero);
        if (ssl.IsInvalid)
        {
            if (cookie.IsAllocated)
            {
                cookie.Free();
            }

            ssl.Dispose();
            throw OpenSslException.FromErrorQueue("create TLS connection");
        }

        if (cookie.IsAllocated)
        {
            ssl.AttachCallbacks(cookie);
        }

        return ssl;
    }

    public static void SetClientOptions(SafeSslHandle ssl, string? serverName, string? verifyHost, ReadOnlySpan<byte> alpnWire)
    {
        if (TlsGwNative.SslSetClientOptions(ssl, serverName, verifyHost, alpnWire, alpnWire.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("set client server name / ALPN");
        }
    }

    public static NativeStatus Process(SafeSslHandle ssl, ReadOnlySpan<byte> input, Span<byte> plaintext, out int plaintextLength,
        Span<byte> output, out int outputLength, out NativeFlags flags)
    {
        int status = TlsGwNative.SslProcess(ssl, input, input.Length, plaintext, plaintext.Length, out plaintextLength,
            output, output.Length, out outputLength, out int rawFlags);
        flags = (NativeFlags)rawFlags;
        return (NativeStatus)status;
    }

    public static NativeStatus Write(SafeSslHandle ssl, ReadOnlySpan<byte> plaintext, out int consumed,
        Span<byte> output, out int outputLength, out NativeFlags flags)
    {
        int status = TlsGwNative.SslWrite(ssl, plaintext, plaintext.Length, out consumed, output, output.Length, out outputLength, out int rawFlags);
        flags = (NativeFlags)rawFlags;
        return (NativeStatus)status;
    }

    public static NativeFlags DrainOutput(SafeSslHandle ssl, Span<byte> output, out int outputLength) =>
        (NativeFlags)TlsGwNative.SslDrainOutput(ssl, output, output.Length, out outputLength);

    public static bool HasBufferedInput(SafeSslHandle ssl) => TlsGwNative.SslHasBufferedInput(ssl) != 0;

    public static NativeStatus Shutdown(SafeSslHandle ssl, Span<byte> output, out int outputLength) =>
        (NativeStatus)TlsGwNative.SslShutdown(ssl, output, output.Length, out outputLength);

    /// <summary>X509_V_OK (0) or the X509_V_ERR_* code of the peer chain; meaningful after a failed handshake too.</summary>
    public static int GetVerifyResult(SafeSslHandle ssl) => TlsGwNative.SslGetVerifyResult(ssl);

    /// <summary>The DER of the peer's leaf as the session holds it (also after resumption), or null.</summary>
    public static byte[]? GetPeerCertificate(SafeSslHandle ssl)
    {
        int length = TlsGwNative.SslGetPeerCertificate(ssl, default, 0);
        if (length <= 0)
        {
            return null;
        }

        byte[] der = new byte[length];
        return TlsGwNative.SslGetPeerCertificate(ssl, der, der.Length) == length ? der : null;
    }

    public static HandshakeFacts? GetHandshakeFacts(SafeSslHandle ssl)
    {
        if (TlsGwNative.SslGetHandshakeInfo(ssl, out NativeHandshakeInfo info) != 1)
        {
            return null;
        }

        string? alpn = info.Alpn == IntPtr.Zero || info.AlpnLength == 0
            ? null
            : Marshal.PtrToStringUTF8(info.Alpn, info.AlpnLength);
        return new HandshakeFacts(
            info.Version,
            Marshal.PtrToStringUTF8(info.CipherName) ?? "unknown",
            alpn,
            Marshal.PtrToStringUTF8(info.ServerName),
            Marshal.PtrToStringUTF8(info.GroupName),
            info.SessionReused != 0,
            info.PeerCertificate != 0,
            info.VerifyResult,
            info.ChainFromCache != 0);
    }
}
