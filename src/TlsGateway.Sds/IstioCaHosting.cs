using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace TlsGateway.Sds;

/// <summary>
/// Puts <see cref="IstioCaService"/> on a Kestrel listener: HTTP/2 over TLS (gRPC needs h2 by
/// ALPN), the CA's own serving certificate read per handshake (so renewals apply to the next
/// connection), and client certificates asked for but not required.
/// </summary>
/// <remarks>
/// Any client certificate is accepted at the TLS layer: the caller may instead carry a bootstrap
/// token, and the CA's trusted roots change with rotations, so <see cref="CaCallerAuthenticator"/>
/// judges the certificate per call against the CA snapshot of that moment.
/// </remarks>
public static class IstioCaHosting
{
    public static void UseCaTls(ListenOptions listen, CaServingCertificate serving)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(serving);
        listen.Protocols = HttpProtocols.Http2;
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = serving.Current,
                // "Required" only makes the server send a CertificateRequest; the callback below
                // lets clients without one (token callers) finish the handshake.
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }),
        });
    }

    /// <summary>Registers gRPC and the given service instance (the one the endpoint will use).</summary>
    public static void AddServices(IServiceCollection services, IstioCaService service)
    {
        services.AddGrpc();
        services.AddSingleton(service);
    }

    public static void Map(WebApplication app) => app.MapGrpcService<IstioCaService>();
}
