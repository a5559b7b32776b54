using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TlsGateway.Sds;

/// <summary>
/// Puts <see cref="IstioCaService"/> on a Kestrel listener: HTTP/2 over TLS (gRPC needs h2 by
/// ALPN) done by the OpenSSL engine in <see cref="CaTlsMiddleware"/>, the CA's own serving
/// certificate (renewals apply to the next connection), and client certificates asked for, not
/// required, and verified against the CA's trusted roots when presented.
/// </summary>
/// <remarks>
/// The TLS layer checks the chain; <see cref="CaCallerAuthenticator"/> then judges the verified
/// certificate per call (ledger, revocation, trust domain) against the CA snapshot of that moment,
/// or the caller's bootstrap token when it has no certificate.
/// </remarks>
public static class IstioCaHosting
{
    /// <summary>Makes <paramref name="listen"/> the CA API's TLS endpoint; dispose the result when the server has stopped.</summary>
    public static CaTlsMiddleware UseCaTls(ListenOptions listen, CaServingCertificate serving, ILogger? logger = null, TimeSpan? handshakeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(serving);
        listen.Protocols = HttpProtocols.Http2;
        // Kestrel takes a connection with a TLS feature to be "https" and by default refuses requests
        // whose :scheme differs. Our own agent sends "http": SocketsHttpHandler would add .NET's TLS to
        // any https:// request, so IstioCaChannel gives it http:// over a connection that is already
        // OpenSSL TLS. Nothing in the CA API reads the scheme.
        listen.KestrelServerOptions.AllowAlternateSchemes = true;
        var middleware = new CaTlsMiddleware(serving, handshakeTimeout ?? CaTlsMiddleware.DefaultHandshakeTimeout, logger ?? NullLogger.Instance);
        listen.Use(next => context => middleware.OnConnectionAsync(context, next));
        return middleware;
    }

    /// <summary>Registers gRPC and the given service instance (the one the endpoint will use).</summary>
    public static void AddServices(IServiceCollection services, IstioCaService service)
    {
        services.AddGrpc();
        services.AddSingleton(service);
    }

    public static void Map(WebApplication app) => app.MapGrpcService<IstioCaService>();
}
