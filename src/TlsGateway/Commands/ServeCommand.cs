using TlsGateway.Config;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge.Config;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw serve -c tlsgw.yaml`: runs what the config file describes. SIGHUP, or a change to the
/// config or any file it names, reloads it; a config that fails to load is refused and the running
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
                EdgeConfig edge = EdgeConfigReader.ReadFile(path);
                return await EdgeHost.RunAsync(edge, loggers,
                    reload: () => EdgeConfigReader.ReadFile(path),
                    watchedFiles: c => EdgeConfigFiles.Enumerate(c).Append(path));
            }
            catch (ConfigException e)
            {
                logger.LogError("{Message}", e.Message);
                return 2;
            }
        });

        return command;
    }
}
