using System.Runtime.InteropServices;

namespace TlsGateway.Interop;

// pal_ctx.c, pal_ssl.c, pal_ticket.c
public static unsafe partial class TlsGwNative
{
    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxCreate")]
    internal static partial SafeSslContextHandle SslCtxCreate(int isServer);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxDestroy")]
    internal static partial void SslCtxDestroy(IntPtr ctx);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetProtocolRange")]
    internal static partial int SslCtxSetProtocolRange(SafeSslContextHandle ctx, int minVersion, int maxVersion);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetCipherSuites", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SslCtxSetCipherSuites(SafeSslContextHandle ctx, string suites);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetCipherList", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SslCtxSetCipherList(SafeSslContextHandle ctx, string ciphers);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetGroups", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SslCtxSetGroups(SafeSslContextHandle ctx, string groups);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetSignatureAlgorithms", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SslCtxSetSignatureAlgorithms(SafeSslContextHandle ctx, string sigalgs);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxAddCertificate")]
    internal static partial int SslCtxAddCertificate(SafeSslContextHandle ctx, SafeCertificateChainHandle chain, SafePrivateKeyHandle key);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetVerify")]
    internal static partial int SslCtxSetVerify(SafeSslContextHandle ctx, int mode, IntPtr store, int depth, delegate* unmanaged<IntPtr, byte*, int*, int, int> authorize);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxGetVerifyCacheHits")]
    internal static partial long SslCtxGetVerifyCacheHits(SafeSslContextHandle ctx);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetAlpnProtocols")]
    internal static partial int SslCtxSetAlpnProtocols(SafeSslContextHandle ctx, ReadOnlySpan<byte> wire, int wireLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetSessionIdContext")]
    internal static partial int SslCtxSetSessionIdContext(SafeSslContextHandle ctx, ReadOnlySpan<byte> id, int idLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetServerNameCallback")]
    internal static partial void SslCtxSetServerNameCallback(SafeSslContextHandle ctx, delegate* unmanaged<IntPtr, byte*, byte*, int, IntPtr*, int> callback);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCtxSetTicketKeys")]
    internal static partial int SslCtxSetTicketKeys(SafeSslContextHandle ctx, SafeTicketKeysHandle ring);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_TicketKeysCreate")]
    internal static partial SafeTicketKeysHandle TicketKeysCreate();

    [LibraryImport(Library, EntryPoint = "TlsGwNative_TicketKeysDestroy")]
    internal static partial void TicketKeysDestroy(IntPtr ring);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_TicketKeysSet")]
    internal static partial int TicketKeysSet(SafeTicketKeysHandle ring, ReadOnlySpan<byte> keys, int count);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslCreate")]
    internal static partial SafeSslHandle SslCreate(SafeSslContextHandle ctx, int isServer, IntPtr cookie);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslDestroy")]
    internal static partial void SslDestroy(IntPtr ssl);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslSetClientOptions", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SslSetClientOptions(SafeSslHandle ssl, string? serverName, string? verifyHost, ReadOnlySpan<byte> alpn, int alpnLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslProcess")]
    internal static partial int SslProcess(SafeSslHandle ssl,
        ReadOnlySpan<byte> input, int inputLength,
        Span<byte> plaintext, int plaintextCapacity, out int plaintextLength,
        Span<byte> output, int outputCapacity, out int outputLength, out int flags);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslWrite")]
    internal static partial int SslWrite(SafeSslHandle ssl,
        ReadOnlySpan<byte> plaintext, int plaintextLength, out int consumed,
        Span<byte> output, int outputCapacity, out int outputLength, out int flags);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslDrainOutput")]
    internal static partial int SslDrainOutput(SafeSslHandle ssl, Span<byte> output, int outputCapacity, out int outputLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslHasBufferedInput")]
    internal static partial int SslHasBufferedInput(SafeSslHandle ssl);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslShutdown")]
    internal static partial int SslShutdown(SafeSslHandle ssl, Span<byte> output, int outputCapacity, out int outputLength);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslGetVerifyResult")]
    internal static partial int SslGetVerifyResult(SafeSslHandle ssl);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslGetPeerCertificate")]
    internal static partial int SslGetPeerCertificate(SafeSslHandle ssl, Span<byte> buffer, int capacity);

    [LibraryImport(Library, EntryPoint = "TlsGwNative_SslGetHandshakeInfo")]
    internal static partial int SslGetHandshakeInfo(SafeSslHandle ssl, out NativeHandshakeInfo info);
}
