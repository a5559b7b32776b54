using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge;
using TlsGateway.Tls;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw up`: everything local in one process, state in --data. Today that is the edge on
/// 127.0.0.1:8443 with a development certificate, in front of the demo upstream on
/// 127.0.0.1:8080; the CA, agent and admin roles join it as they land.
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

                using CertificateKeyPair pair = CertificateKeyPair.Load(paths.Certificate, new PrivateKeySource(paths.Key));
                var entry = new ServerNameEntry("localhost", ["localhost"], [pair], TlsProfile.Default, ClientAuthOptions.Off, ["http/1.1"]);
                using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions([entry]));
                var options = new ListenerOptions(Endpoints.Parse(result.GetValue(listen)!, "--listen"), ListenerOptions.DefaultHandshakeTimeout);

                logger.LogInformation("Trust bundle: {Bundle}", paths.Bundle);
                logger.LogInformation("Try: curl --cacert {Bundle} https://localhost:{Port}/", paths.Bundle, options.Endpoint.Port);
                return await EdgeHost.RunAsync(options, context, demo.LocalEndPoint, loggers);
            }
            catch (Exception e) when (e is TlsConfigurationException or CryptoConfigurationException or FormatException or IOException
                or System.Net.Sockets.SocketException)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
        });

        return command;
    }
}
