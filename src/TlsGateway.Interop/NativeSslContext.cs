namespace TlsGateway.Interop;

/// <summary>How a context treats the peer's certificate. Values match pal_ctx.c.</summary>
public enum PeerVerifyMode
{
    None = 0,
    Request = 1,
    Require = 2,
}

/// <summary>
/// Building an SSL_CTX. Every setter turns a refusal from OpenSSL into an
/// <see cref="OpenSslException"/> naming what was being set.
/// </summary>
public static unsafe class NativeSslContext
{
    public static SafeSslContextHandle Create(bool isServer)
    {
        SafeSslContextHandle ctx = TlsGwNative.SslCtxCreate(isServer ? 1 : 0);
        if (ctx.IsInvalid)
        {
            ctx.Dispose();
            throw OpenSslException.FromErrorQueue("create TLS context");
        }

        return ctx;
    }

    public static void SetProtocolRange(SafeSslContextHandle ctx, int minVersion, int maxVersion) =>
        Check(TlsGwNative.SslCtxSetProtocolRange(ctx, minVersion, maxVersion), $"set protocol range 0x{minVersion:x4}-0x{maxVersion:x4}");

    public static void SetCipherSuites(SafeSslContextHandle ctx, string suites) =>
        Check(TlsGwNative.SslCtxSetCipherSuites(ctx, suites), $"set TLS 1.3 cipher suites '{suites}'");

    public static void SetCipherList(SafeSslContextHandle ctx, string ciphers) =>
        Check(TlsGwNative.SslCtxSetCipherList(ctx, ciphers), $"set TLS 1.2 cipher list '{ciphers}'");

    public static void SetGroups(SafeSslContextHandle ctx, string groups) =>
        Check(TlsGwNative.SslCtxSetGroups(ctx, groups), $"set groups '{groups}'");

    public static void SetSignatureAlgorithms(SafeSslContextHandle ctx, string sigalgs) =>
        Check(TlsGwNative.SslCtxSetSignatureAlgorithms(ctx, sigalgs), $"set signature algorithms '{sigalgs}'");

    public static void AddCertificate(SafeSslContextHandle ctx, SafeCertificateChainHandle chain, SafePrivateKeyHandle key) =>
        Check(TlsGwNative.SslCtxAddCertificate(ctx, chain, key), "install certificate and key (does the key match the certificate?)");

    /// <param name="authorize">Run the connection's <see cref="INativeConnectionCallbacks.AuthorizePeer"/> once the chain verifies.</param>
    public static void SetVerify(SafeSslContextHandle ctx, PeerVerifyMode mode, SafeTrustStoreHandle? store, int depth, bool authorize)
    {
        bool added = false;
        try
        {
            store?.DangerousAddRef(ref added);
            IntPtr raw = store is null ? IntPtr.Zero : store.DangerousGetHandle();
            Check(TlsGwNative.SslCtxSetVerify(ctx, (int)mode, raw, depth, authorize ? NativeCallbacks.Authorize : null), $"set peer verification ({mode})");
        }
        finally
        {
            if (added)
            {
                store!.DangerousRelease();
            }
        }
    }

    /// <summary>How many client chains <paramref name="ctx"/> has accepted from its verification cache (native/pal_verify_cache.c).</summary>
    public static long GetVerifyCacheHits(SafeSslContextHandle ctx) => TlsGwNative.SslCtxGetVerifyCacheHits(ctx);

    /// <param name="wire">ALPN protocol list in wire format: each name prefixed by its length.</param>
    public static void SetAlpnProtocols(SafeSslContextHandle ctx, ReadOnlySpan<byte> wire) =>
        Check(TlsGwNative.SslCtxSetAlpnProtocols(ctx, wire, wire.Length), "set ALPN protocols");

    public static void SetSessionIdContext(SafeSslContextHandle ctx, ReadOnlySpan<byte> id) =>
        Check(TlsGwNative.SslCtxSetSessionIdContext(ctx, id, id.Length), "set session id context");

    /// <summary>Lets each connection's <see cref="INativeConnectionCallbacks.SelectContext"/> pick the context by SNI.</summary>
    public static void EnableServerNameSelection(SafeSslContextHandle ctx) =>
        TlsGwNative.SslCtxSetServerNameCallback(ctx, NativeCallbacks.ServerName);

    public static void SetTicketKeys(SafeSslContextHandle ctx, SafeTicketKeysHandle ring) =>
        Check(TlsGwNative.SslCtxSetTicketKeys(ctx, ring), "install session ticket keys");

    private static void Check(int result, string operation)
    {
        if (result != 1)
        {
            throw OpenSslException.FromErrorQueue(operation);
        }
    }
}
