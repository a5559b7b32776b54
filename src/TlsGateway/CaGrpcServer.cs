using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TlsGateway.Sds;

namespace TlsGateway.Host;

/// <summary>
/// The CA's control-plane listener: the Istio CA API (<see cref="IstioCaService"/>) on Kestrel,
/// HTTP/2 over TLS done by the OpenSSL engine (<see cref="CaTlsMiddleware"/>) with a certificate
/// the CA issues to itself at start-up (DNS names plus the CA's SPIFFE ID), renewed once half its
/// lifetime has passed. Client certificates are asked for but not required; OpenSSL verifies them
/// against the CA's roots, and the service judges them, or a bootstrap token, per call.
/// </summary>
internal sealed class CaGrpcServer : IAsyncDisposable
{
    /// <summary>The conventional istiod CA port, on loopback.</summary>
    public const string DefaultListen = "127.0.0.1:15012";

    private static readonly TimeSpan s_renewalCheck = TimeSpan.FromMinutes(1);

    private readonly WebApplication _app;
    private readonly CaTlsMiddleware _tls;
    private readonly CancellationTokenSource _stop = new();
    private Task _renewal = Task.CompletedTask;

    private CaGrpcServer(WebApplication app, CaTlsMiddleware tls, IPEndPoint address, CaServingCertificate serving)
    {
        _app = app;
        _tls = tls;
        Address = address;
        Serving = serving;
    }

    /// <summary>The bound address (the actual port when port 0 was asked for).</summary>
    public IPEndPoint Address { get; }

    public CaServingCertificate Serving { get; }

    /// <param name="dnsNames">DNS names for the serving certificate (default: localhost).</param>
    /// <exception cref="IOException">The address cannot be bound (in use, not local).</exception>
    public static async Task<CaGrpcServer> StartAsync(CaContext ca, IPEndPoint address, ILoggerFactory loggers, IstioCaOptions? options = null,
        IReadOnlyList<string>? dnsNames = null, CancellationToken cancellationToken = default)
    {
        CaServingCertificate serving = await CaServingCertificate.IssueAsync(ca.Authority, dnsNames, cancellationToken: cancellationToken);
        var service = new IstioCaService(ca.Authority, new CaCallerAuthenticator(ca.Authority), options, loggers.CreateLogger("tlsgw.ca.grpc"));
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        IstioCaHosting.AddServices(builder.Services, service);
        ILogger logger = loggers.CreateLogger("tlsgw.ca.grpc");
        CaTlsMiddleware? tls = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, listen => tls = IstioCaHosting.UseCaTls(listen, serving, logger)));
        WebApplication app = builder.Build();
        IstioCaHosting.Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            tls?.Dispose();
            throw;
        }

        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new CaGrpcServer(app, tls!, new IPEndPoint(address.Address, new Uri(bound).Port), serving);
        server._renewal = server.RenewLoopAsync(logger);
        return server;
    }

    private Task RenewLoopAsync(ILogger logger) =>
        PeriodicWork.RunAsync(s_renewalCheck, async cancellationToken =>
        {
            if (await Serving.RenewIfDueAsync(cancellationToken))
            {
                logger.LogInformation("Renewed the CA API's serving certificate; it now expires {NotAfter:O}", Serving.Certificate.NotAfter.ToUniversalTime());
            }
        },
        // The old certificate keeps serving until it expires; the next tick tries again.
        e => logger.LogWarning("Renewing the CA API's serving certificate failed: {Message}", e.Message),
        _stop.Token);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _renewal;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _tls.Dispose();
        _stop.Dispose();
    }
}
