using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw ca serve`: runs the CA's HTTP endpoints (bundle, CRL, OCSP) on the admin address
/// until SIGTERM, and keeps the CA current: picks up rotations and revocations made by the CLI
/// or other replicas, and retires generations whose leaves have expired.
/// </summary>
internal static class CaServeCommand
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    public static Command Create(CaContext.Options options)
    {
        var admin = new Option<string>("--admin") { Description = "Admin HTTP address (CRL, OCSP, bundle)", DefaultValueFactory = _ => "127.0.0.1:9901" };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request (Debug level)" };
        var command = new Command("serve", """
            Serve the CA's CRL (GET /ca/crl), OCSP (POST /ca/ocsp, GET /ca/ocsp/{base64}) and trust bundle (GET /ca/bundle.pem).
            Example: tlsgw ca serve --data ./data --admin 127.0.0.1:9901
            """)
        {
            admin, verbose,
        };
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            using ILoggerFactory loggers = Logging.Create(result.GetValue(verbose));
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken);
            using var shutdown = new ShutdownSignal();
            await using CaHttpServer server = await CaHttpServer.StartAsync(ca, Endpoints.Parse(result.GetValue(admin)!, "--admin"), loggers);
            loggers.CreateLogger("tlsgw").LogInformation("CA for {TrustDomain} serving CRL and OCSP on http://{Address}/ca/", ca.Settings.TrustDomain, server.Address);
            await shutdown.WaitAsync();
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }
}
