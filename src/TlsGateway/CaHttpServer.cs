using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;

namespace TlsGateway.Host;

/// <summary>
/// The admin HTTP listener as far as the CA needs it today (Kestrel, plain HTTP, meant for
/// loopback): CaHttpEndpoints, plus a loop that keeps the CA snapshot current and retires
/// generations whose leaves have all expired.
/// </summary>
internal sealed class CaHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _refresh = Task.CompletedTask;

    private CaHttpServer(WebApplication app, IPEndPoint address)
    {
        _app = app;
        Address = address;
    }

    public IPEndPoint Address { get; }

    public static async Task<CaHttpServer> StartAsync(CaContext ca, IPEndPoint address, ILoggerFactory loggers)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address));
        WebApplication app = builder.Build();
        var crls = new CrlPublisher(ca.Authority);
        CaHttpEndpoints.Map(app, ca.Authority, crls, new OcspResponder(ca.Authority));
        await app.StartAsync();

        // Port 0 means "pick one": report the port Kestrel bound.
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var actual = new IPEndPoint(address.Address, new Uri(bound).Port);
        var server = new CaHttpServer(app, actual);
        server._refresh = server.RefreshLoopAsync(ca, crls, loggers.CreateLogger("tlsgw.ca"));
        return server;
    }

    private Task RefreshLoopAsync(CaContext ca, CrlPublisher crls, ILogger logger)
    {
        var rotation = new RootRotation(ca.Authority, ca.Layout);
        return PeriodicWork.RunAsync(Commands.CaServeCommand.RefreshInterval, async cancellationToken =>
        {
            if (await ca.Authority.ReloadIfChangedAsync(cancellationToken))
            {
                crls.Invalidate();
                rotation.WriteBundle();
                logger.LogInformation("CA generations changed; trust bundle now holds {Count} roots", ca.Authority.State.TrustedRoots.Count);
            }

            foreach (int id in await rotation.AdvanceAsync(cancellationToken))
            {
                crls.Invalidate();
                logger.LogInformation("Retired CA generation {Generation}: its last leaf expired", id);
            }
        },
        // The store may be down for a while; keep serving what we have and try again.
        e => logger.LogWarning("CA refresh failed: {Message}", e.Message),
        _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _refresh;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
    }
}
