using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Tls;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw up`: everything local in one process, state in --data. Today that is the edge on
/// 127.0.0.1:8443 with a development certificate, in front of the demo upstream on
/// 127.0.0.1:8080, which echoes each request and what the edge told it about the client (PROXY v2).
/// The CA, agent and admin roles join it as they land.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "State directory", DefaultValueFactory = _ => "./data" };
        var listen = new Option<string>("--listen") { Description = "Edge listener", DefaultValueFactory = _ => "127.0.0.1:8443" };
        var upstream = new Option<string>("--upstream-listen") { Description = "Demo upstream listener", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var verbose = new Option<bool>("--verbose") { Description = "Log every handshake (Debug level)" };
        var command = new Command("up", "Run the all-in-one local gateway") { data, listen, upstream, verbose };

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = Logging.Create(result.GetValue(verbose));
            ILogger logger = loggers.CreateLogger("tlsgw");
            try
            {
                string directory = Path.GetFullPath(result.GetValue(data)!);
                Directory.CreateDirectory(directory);
                DevCertificates.Paths paths = DevCertificates.Ensure(directory);

                await using var demo = new DemoUpstream();
                IPEndPoint demoEndpoint = Endpoints.Parse(result.GetValue(upstream)!, "--upstream-listen");
                demo.Start(demoEndpoint);

                var chain = new FilterChainConfig("localhost", [], [new CertificateConfig(paths.Certificate, paths.Key, null, null, null)],
                    TlsProfileConfig.Default, ClientAuthConfig.Off, ["http/1.1"],
                    new UpstreamConfig([demo.LocalEndPoint], LoadBalancing.RoundRobin, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30), ProxyProtocol: true));
                var listener = new ListenerConfig("local", Endpoints.Parse(result.GetValue(listen)!, "--listen"), [chain],
                    LimitsConfig.Default, SessionTicketConfig.Default, RejectUnknownServerNames: false);

                logger.LogInformation("Trust bundle: {Bundle}", paths.Bundle);
                logger.LogInformation("Try: curl --cacert {Bundle} https://localhost:{Port}/", paths.Bundle, listener.Address.Port);
                return await EdgeHost.RunAsync(new EdgeConfig([listener]), loggers);
            }
            catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException or FormatException or IOException
                or ConfigException or System.Net.Sockets.SocketException)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
        });

        return command;
    }
}
