using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Host.Admin;

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
        var admin = new Option<string>("--admin") { Description = AdminOptions.Description + ", and the CA's CRL, OCSP and bundle", DefaultValueFactory = _ => AdminOptions.DefaultListen };
        var grpc = new Option<string>("--grpc-listen")
        {
            Description = "Istio CA API (gRPC over TLS) address, or 'off'", DefaultValueFactory = _ => CaGrpcServer.DefaultListen,
        };
        var grpcDns = new Option<string[]>("--grpc-dns") { Description = "DNS name for the CA API's certificate (repeatable; default localhost)" };
        var workloadDns = new Option<string[]>("--workload-dns")
        {
            Description = "DNS names workloads may have in their certificates: exact, or *.suffix for any name under it (repeatable; default none)",
        };
        var logs = new LogOptions();
        var command = new Command("serve", """
            Serve the CA's CRL (GET /ca/crl), OCSP (POST /ca/ocsp, GET /ca/ocsp/{base64}) and trust bundle (GET /ca/bundle.pem),
            and the Istio CA API (istio.v1.auth.IstioCertificateService) for mTLS and bootstrap-token callers.
            Example: tlsgw ca serve --data ./data --admin 127.0.0.1:9901 --grpc-listen 127.0.0.1:15012
            """)
        {
            admin, grpc, grpcDns, workloadDns,
        };
        logs.AddTo(command);
        options.AddTo(command, json: false);
        CliErrors.SetAction(command, async (result, cancellationToken) =>
        {
            using ILoggerFactory loggers = logs.Create(result);
            using var api = new AdminApi();
            IPEndPoint adminAddress = Endpoints.Parse(result.GetValue(admin)!, "--admin");
            IssuancePolicy policy = IssuancePolicy.Default with { WorkloadDnsNames = WorkloadDnsPatterns(result.GetValue(workloadDns) ?? []) };
            await using CaContext ca = await CaContext.OpenAsync(options, result, cancellationToken, policy: policy);
            ILogger logger = loggers.CreateLogger("tlsgw");
            using var shutdown = new ShutdownSignal(hangup: () =>
                logger.LogInformation("SIGHUP: nothing to reload; the CA picks up rotations and revocations from its store every {Seconds} s", RefreshInterval.TotalSeconds));
            await using CaGrpcServer? grpcServer = await StartGrpcAsync(ca, result, grpc, grpcDns, loggers, logger, cancellationToken);
            AdminRoles.AddCa(api, ca);
            if (grpcServer is not null)
            {
                AdminRoles.AddCaApi(api, grpcServer);
            }

            await using var publisher = new CaPublisher(ca, loggers);
            await using AdminServer server = await AdminServer.StartAsync(adminAddress, api, loggers, publisher.Map);
            publisher.Start();
            logger.LogInformation("CA for {TrustDomain}: CRL and OCSP on http://{Address}/ca/, metrics on /metrics", ca.Settings.TrustDomain, server.Address);
            await shutdown.WaitAsync();
            return CaContext.ExitCodes.Ok;
        });
        return command;
    }

    // Each pattern is a DNS name, or "*." and one: checked here so a typo stops the CA at start, not a workload later.
    private static string[] WorkloadDnsPatterns(string[] patterns)
    {
        foreach (string pattern in patterns)
        {
            if (DnsNamePolicy.Check(pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern) is { } problem)
            {
                throw new FormatException($"--workload-dns: {problem}");
            }
        }

        return patterns;
    }

    /// <summary>Starts the Istio CA API unless turned off. An address that cannot be bound stops the command: agents expect it there.</summary>
    private static async Task<CaGrpcServer?> StartGrpcAsync(CaContext ca, ParseResult result, Option<string> grpc, Option<string[]> grpcDns,
        ILoggerFactory loggers, ILogger logger, CancellationToken cancellationToken)
    {
        string listen = result.GetValue(grpc)!;
        if (listen.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        IPEndPoint address = Endpoints.Parse(listen, "--grpc-listen");
        string[] dns = result.GetValue(grpcDns) is { Length: > 0 } names ? names : ["localhost"];
        CaGrpcServer server = await CaGrpcServer.StartAsync(ca, address, loggers, dnsNames: dns, cancellationToken: cancellationToken);
        logger.LogInformation("Istio CA API (istio.v1.auth.IstioCertificateService) on https://{Address} as {Identity}", server.Address, server.Serving.Identity);
        return server;
    }
}
