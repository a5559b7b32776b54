using TlsGateway.Config;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Edge.Config;
using TlsGateway.Sds;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw serve -c tlsgw.yaml`: runs what the config file describes — the edge, the agent (SDS),
/// or both. SIGHUP, or a change to the config or any file it names, reloads the edge; a config that fails to load is refused and the running
/// one keeps serving. docs/config.md documents the file.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "The tlsgw.yaml to run", Required = true };
        var verbose = new Option<bool>("--verbose") { Description = "Log every handshake (Debug level)" };
        var command = new Command("serve", "Run the roles described by a config file") { config, verbose };

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = Logging.Create(result.GetValue(verbose));
            ILogger logger = loggers.CreateLogger("tlsgw");
            string path = Path.GetFullPath(result.GetValue(config)!);
            try
            {
                ConfigNode root = ConfigDocument.ReadFile(path);
                if (!root.Has("edge") && !root.Has("agent"))
                {
                    throw root.Error("nothing to run: the config has neither an 'edge' nor an 'agent' section");
                }

                // Both sections are read (and refused if wrong) before anything starts.
                EdgeConfig? edge = root.Has("edge") ? EdgeConfigReader.ReadFile(path) : null;
                AgentConfig? agentConfig = root.Has("agent") ? AgentConfigReader.ReadFile(path) : null;
                await using AgentHost? agent = agentConfig is null ? null : await AgentHost.StartAsync(agentConfig, loggers);
                if (edge is not null)
                {
                    // Certificates and ticket keys from SDS become files the edge loads and watches.
                    // (Made even when the first config names none: a reload may add one.)
                    await using var secrets = new EdgeSdsSecrets(loggers.CreateLogger("tlsgw.sds.client"));
                    EdgeConfig Load(EdgeConfig read) => EdgeSdsSecrets.Uses(read) ? secrets.Resolve(read) : read;
                    return await EdgeHost.RunAsync(Load(edge), loggers,
                        reload: () => Load(EdgeConfigReader.ReadFile(path)),
                        watchedFiles: c => EdgeConfigFiles.Enumerate(c).Append(path));
                }

                using var shutdown = new ShutdownSignal();
                await shutdown.WaitAsync();
                return 0;
            }
            catch (ConfigException e)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
            catch (Exception e) when (e is IdentityIssuerException or IOException or CaException or Storage.StoreException)
            {
                logger.LogError("{Message}", e.Message);
                return 1;
            }
        });

        return command;
    }
}
