using TlsGateway.Config;
using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Host.Admin;
using TlsGateway.Sds;
using TlsGateway.Tls;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw up`: everything local in one process, state in --data. Today that is the CA (created
/// on first run; CRL, OCSP and bundle on the admin address 127.0.0.1:9901; the Istio CA API on
/// 127.0.0.1:15012) and an SM2 CA beside it in DIR/sm2 (its root in DIR/bundle.pem too, and an
/// SM2 certificate for localhost in DIR/edge-sm2, renewed like the edge's), the SDS agent on
/// DIR/sds.sock (the user who started it gets spiffe://TD/ns/default/sa/USER), and the edge on
/// 127.0.0.1:8443 with a certificate from that CA, renewed at half-life, in front of the demo
/// upstream on 127.0.0.1:8080, which echoes each request and what the edge told it about the
/// client (PROXY v2).
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "State directory", DefaultValueFactory = _ => "./data" };
        var listen = new Option<string>("--listen") { Description = "Edge listener", DefaultValueFactory = _ => "127.0.0.1:8443" };
        var upstream = new Option<string>("--upstream-listen") { Description = "Demo upstream listener", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var admin = new Option<string>("--admin") { Description = AdminOptions.Description + ", and the CA's bundle, CRL and OCSP", DefaultValueFactory = _ => AdminOptions.DefaultListen };
        var trustDomain = new Option<string>("--trust-domain") { Description = "Trust domain of the CA created on first run", DefaultValueFactory = _ => LocalIdentity.DefaultTrustDomain };
        var sdsSocket = new Option<string?>("--sds-socket") { Description = "SDS Unix socket (default DIR/sds.sock)" };
        var caGrpc = new Option<string>("--ca-grpc") { Description = "Istio CA API (gRPC over TLS) address, or 'off'", DefaultValueFactory = _ => CaGrpcServer.DefaultListen };
        var workloadTtl = new Option<string>("--workload-ttl") { Description = "Lifetime of workload certificates served over SDS", DefaultValueFactory = _ => "24h" };
        var logs = new LogOptions();
        var command = new Command("up", "Run the all-in-one local gateway: CA, SDS agent, edge and a demo upstream")
        {
            data, listen, upstream, admin, caGrpc, trustDomain, sdsSocket, workloadTtl,
        };
        logs.AddTo(command);

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = logs.Create(result);
            using var api = new AdminApi();
            ILogger logger = loggers.CreateLogger("tlsgw");
            try
            {
                var layout = new CaLayout(result.GetValue(data)!);
                await using CaContext ca = await LocalIdentity.EnsureCaAsync(layout, result.GetValue(trustDomain)!, CaKeyType.EcdsaP256, CancellationToken.None);
                await using CaContext sm2Ca = await LocalIdentity.EnsureCaAsync(layout.Sm2Companion, ca.Settings.TrustDomain, CaKeyType.Sm2, CancellationToken.None);
                IReadOnlyList<LocalIdentity.EdgeLeaf> leaves = LocalIdentity.EdgeLeaves(layout, ca, sm2Ca);
                foreach (LocalIdentity.EdgeLeaf leaf in leaves)
                {
                    await LocalIdentity.EnsureEdgeCertificateAsync(leaf, CancellationToken.None);
                }

                LocalIdentity.EdgeFiles edgeFiles = LocalIdentity.PathsFor(layout);
                await using var publisher = new CaPublisher(ca, loggers);
                // DIR/bundle.pem holds both hierarchies' roots: written now (the SM2 CA may be new,
                // or rotated while `up` was stopped) and again whenever either side's roots change.
                publisher.WriteBundle();
                await using var sm2Publisher = new CaPublisher(sm2Ca, loggers, publisher.WriteBundle, "tlsgw.ca.sm2");
                api.Readiness.Expect("edge");
                await using AdminServer adminServer = await AdminServer.StartAsync(Endpoints.Parse(result.GetValue(admin)!, "--admin"), api, loggers, publisher.Map);
                publisher.Start();
                sm2Publisher.Start();
                AdminRoles.AddCa(api, ca);
                string caGrpcListen = result.GetValue(caGrpc)!;
                await using CaGrpcServer? caApi = caGrpcListen.Equals("off", StringComparison.OrdinalIgnoreCase)
                    ? null
                    : await CaGrpcServer.StartAsync(ca, Endpoints.Parse(caGrpcListen, "--ca-grpc"), loggers);
                var agentOptions = AgentOptions.Default with { WorkloadTtl = DurationText.Parse(result.GetValue(workloadTtl)!, "--workload-ttl") };
                AgentConfig agentConfig = AgentHost.ForLocalUser(layout.DataDirectory, ca.Settings.TrustDomain, agentOptions,
                    result.GetValue(sdsSocket) ?? Path.Combine(layout.DataDirectory, "sds.sock"));
                await using AgentHost agent = await AgentHost.StartAsync(agentConfig, new InProcessIssuer(ca.Authority), loggers);
                AdminRoles.AddAgent(api, agent, agentConfig);
                if (caApi is not null)
                {
                    AdminRoles.AddCaApi(api, caApi);
                }

                await using var demo = new DemoUpstream();
                IPEndPoint demoEndpoint = Endpoints.Parse(result.GetValue(upstream)!, "--upstream-listen");
                demo.Start(demoEndpoint);

                // RFC 8998 clients get the SM2 certificate from the ShangMi engine, everyone else the ECDSA one (sm: prefer).
                LocalIdentity.EdgeFiles sm2Files = LocalIdentity.PathsForSm2(layout);
                var chain = new FilterChainConfig("localhost", [],
                    [
                        new CertificateConfig(edgeFiles.Certificate, edgeFiles.Key, null, null, null),
                        new CertificateConfig(sm2Files.Certificate, sm2Files.Key, null, null, null),
                    ],
                    TlsProfileConfig.Default, ClientAuthConfig.Off, ["http/1.1"],
                    new UpstreamConfig([demo.LocalEndPoint], LoadBalancing.RoundRobin, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30), ProxyProtocol: true));
                var listener = new ListenerConfig("local", Endpoints.Parse(result.GetValue(listen)!, "--listen"), [chain],
                    LimitsConfig.Default, SessionTicketConfig.Default, RejectUnknownServerNames: false);
                var config = new EdgeConfig([listener]);

                // Renewal rewrites the edge's files; the edge watches them and reloads.
                using var stop = new CancellationTokenSource();
                Task renewal = RenewAsync(leaves, logger, stop.Token);
                logger.LogInformation("CA {TrustDomain}: trust bundle {Bundle}, CRL and OCSP on http://{Admin}/ca/; metrics on http://{Admin}/metrics",
                    ca.Settings.TrustDomain, layout.Bundle, adminServer.Address, adminServer.Address);
                logger.LogInformation("SM2 CA in {Sm2Data} (root also in {Bundle}); SM2 certificate for localhost in {Sm2Certificate}",
                    layout.Sm2Companion.DataDirectory, layout.Bundle, LocalIdentity.PathsForSm2(layout).Certificate);
                if (caApi is not null)
                {
                    logger.LogInformation("Istio CA API on https://{Address} (tokens: tlsgw ca token create --data {Data})", caApi.Address, layout.DataDirectory);
                }

                logger.LogInformation("SDS: this user gets {Identity}", agentConfig.Policy[0].Identity.Replace("{user}", WorkloadPolicy.UserName(WorkloadPolicy.CurrentUid()), StringComparison.Ordinal));
                logger.LogInformation("Try: curl --cacert {Bundle} https://localhost:{Port}/", layout.Bundle, listener.Address.Port);
                try
                {
                    return await EdgeHost.RunAsync(config, loggers, () => config, EdgeConfigFiles.Enumerate, api);
                }
                finally
                {
                    stop.Cancel();
                    await renewal;
                }
            }
            catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException or FormatException or IOException
                or ConfigException or System.Net.Sockets.SocketException or CaException or Storage.StoreException or IssuanceDeniedException)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
        });

        return command;
    }

    private static Task RenewAsync(IReadOnlyList<LocalIdentity.EdgeLeaf> leaves, ILogger logger, CancellationToken cancellationToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromMinutes(1), async token =>
        {
            foreach (LocalIdentity.EdgeLeaf leaf in leaves)
            {
                try
                {
                    if (await LocalIdentity.EnsureEdgeCertificateAsync(leaf, token))
                    {
                        logger.LogInformation("Renewed the {Name} certificate", leaf.Name);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One hierarchy failing must not hold back the other's renewal; the current
                    // certificate is still valid, so try again at the next tick.
                    logger.LogWarning("{Name} certificate renewal failed: {Message}", leaf.Name, e.Message);
                }
            }
        },
        e => logger.LogWarning("Edge certificate renewal failed: {Message}", e.Message),
        cancellationToken);
}
