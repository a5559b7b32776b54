using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>
/// An immutable client-side SSL_CTX. Connections verify the server against the bundle, the
/// expected host name and, when given, the CRLs. A new CRL means a new context (the edge
/// rebuilds it on reload); this context keeps no client-side session cache that could resume
/// past it.
/// </summary>
public sealed class TlsClientContext : IDisposable
{
    private readonly SafeSslContextHandle _handle;

    private TlsClientContext(SafeSslContextHandle handle, TlsClientOptions options)
    {
        _handle = handle;
        Options = options;
    }

    public TlsClientOptions Options { get; }

    public static TlsClientContext Create(TlsClientOptions options)
    {
        const string where = "TLS client";
        if (options.TrustBundlePem is null && !options.InsecureSkipVerify)
        {
            throw new TlsConfigurationException($"{where}: a trust bundle is required (verification is never skipped by default)");
        }

        if (options.InsecureSkipVerify && options.RevocationList is not null)
        {
            // Without verification the CRL would never be consulted: refuse rather than look checked.
            throw new TlsConfigurationException($"{where}: a CRL needs server verification, which InsecureSkipVerify turns off");
        }

        SafeSslContextHandle ctx = TlsContextBuilder.Create(isServer: false, options.Profile, where);
        try
        {
            if (options.ClientCertificate is not null)
            {
                NativeSslContext.AddCertificate(ctx, options.ClientCertificate.Chain, options.ClientCertificate.Key);
            }

            PeerVerifyMode mode = options.InsecureSkipVerify ? PeerVerifyMode.None : PeerVerifyMode.Require;
            // The authorizer hook also records the verified server identity (TlsConnection.Peer).
            TlsContextBuilder.SetPeerVerification(ctx, mode, options.TrustBundlePem, 8, authorize: true, where, options.RevocationList);
            return new TlsClientContext(ctx, options);
        }
        catch (OpenSslException e)
        {
            ctx.Dispose();
            throw new TlsConfigurationException($"{where}: {e.Message}", e);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <param name="serverName">Sent as SNI and checked against the server certificate (RFC 6125); null sends no SNI and checks no name.</param>
    /// <param name="applicationProtocols">ALPN offer, in preference order.</param>
    public TlsConnection CreateConnection(string? serverName, IReadOnlyList<string>? applicationProtocols = null) =>
        TlsConnection.CreateClient(_handle, Options.Authorizer, serverName,
            applicationProtocols is { Count: > 0 } ? AlpnProtocols.ToWire(applicationProtocols) : null);

    public void Dispose() => _handle.Dispose();
}
