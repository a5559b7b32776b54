using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>One server name entry built into an SSL_CTX.</summary>
public sealed class ServerContextEntry : IDisposable
{
    private ServerContextEntry(ServerNameEntry config, SafeSslContextHandle handle)
    {
        Config = config;
        Handle = handle;
    }

    public ServerNameEntry Config { get; }

    internal SafeSslContextHandle Handle { get; }

    /// <summary>
    /// Client chains accepted without path validation because this entry had verified the same
    /// bytes before and they are still within their dates (the authorizer ran all the same).
    /// </summary>
    public long CachedClientVerifications => NativeSslContext.GetVerifyCacheHits(Handle);

    internal static ServerContextEntry Build(ServerNameEntry config, TicketKeyRing tickets)
    {
        string where = $"server name entry '{config.Name}'";
        if (config.Certificates.Count == 0)
        {
            throw new TlsConfigurationException($"{where}: no certificate configured");
        }

        SafeSslContextHandle ctx = TlsContextBuilder.Create(isServer: true, config.Profile, where);
        try
        {
            foreach (var pair in config.Certificates)
            {
                try
                {
                    NativeSslContext.AddCertificate(ctx, pair.Chain, pair.Key);
                }
                catch (OpenSslException e)
                {
                    throw new TlsConfigurationException($"{where}: certificate {pair.Description}: the private key does not match the certificate or is unusable ({string.Join("; ", e.Errors)})", e);
                }
            }

            ClientAuthOptions auth = config.ClientAuth;
            PeerVerifyMode mode = auth.Mode switch
            {
                ClientCertificateMode.Optional => PeerVerifyMode.Request,
                ClientCertificateMode.Required => PeerVerifyMode.Require,
                _ => PeerVerifyMode.None,
            };
            TlsContextBuilder.SetPeerVerification(ctx, mode, auth.TrustBundlePem, auth.MaxChainDepth, authorize: true, where, auth.RevocationList);

            if (config.ApplicationProtocols.Count > 0)
            {
                NativeSslContext.SetAlpnProtocols(ctx, AlpnProtocols.ToWire(config.ApplicationProtocols));
            }

            NativeSslContext.SetSessionIdContext(ctx, TlsContextBuilder.SessionIdContext(config.Name, config.ClientAuth));
            NativeSslContext.SetTicketKeys(ctx, tickets.Handle);
            NativeSslContext.EnableServerNameSelection(ctx);
            return new ServerContextEntry(config, ctx);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    public void Dispose() => Handle.Dispose();
}
