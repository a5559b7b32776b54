using TlsGateway.Config;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Edge.Config;
using TlsGateway.Host.Admin;
using TlsGateway.Host.HotRestart;
using TlsGateway.Sds;

namespace TlsGateway.Host.Commands;

/// <summary>
/// `tlsgw serve -c tlsgw.yaml`: runs what the config file describes — the edge, the agent (SDS),
/// or both, and the admin port when the file has an `admin` section. SIGHUP, or a change to the
/// config or any file it names, reloads the edge; a config that fails to load is refused and the
/// running one keeps serving. `--check` validates the file and starts nothing. docs/config.md
/// documents the file.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "The tlsgw.yaml to run", Required = true };
        var check = new Option<bool>("--check") { Description = "Validate the config and exit without starting anything: 0 if it is valid, 2 with the problem (file, line, key) if not" };
        var hotRestart = new Option<bool>("--hot-restart")
        {
            Description = "Take over the listening sockets (and session-ticket keys) of the tlsgw serving this config, then let it drain and exit; "
                + "start fresh if none is running. If this process fails to start, the running one keeps serving",
        };
        var restartSocket = new Option<string?>("--restart-socket") { Description = "The Unix socket of the hot-restart hand-off (default: CONFIG.restart.sock)" };
        var logs = new LogOptions();
        var command = new Command("serve", "Run the roles described by a config file") { config, check, hotRestart, restartSocket };
        logs.AddTo(command);

        command.SetAction(async (result, _) =>
        {
            using ILoggerFactory loggers = logs.Create(result);
            ILogger logger = loggers.CreateLogger("tlsgw");
            string path = Path.GetFullPath(result.GetValue(config)!);
            await using var restart = new HotRestartCoordinator(result.GetValue(restartSocket) ?? HotRestartCoordinator.DefaultPath(path),
                loggers.CreateLogger("tlsgw.hot-restart"));
            try
            {
                if (result.GetValue(hotRestart) && !result.GetValue(check))
                {
                    restart.TakeOver();
                }

                ConfigNode root = ConfigDocument.ReadFile(path);
                if (!root.Has("edge") && !root.Has("agent"))
                {
                    throw root.Error("nothing to run: the config has neither an 'edge' nor an 'agent' section");
                }

                // Every section is read (and refused if wrong) before anything starts.
                EdgeConfig? edge = root.Has("edge") ? EdgeConfigReader.ReadFile(path) : null;
                AgentConfig? agentConfig = root.Has("agent") ? AgentConfigReader.ReadFile(path) : null;
                AdminConfig? adminConfig = AdminConfig.Read(root);
                if (result.GetValue(check))
                {
                    string roles = string.Join(", ", new[] { edge is null ? null : "edge", agentConfig is null ? null : "agent", adminConfig is null ? null : "admin" }.OfType<string>());
                    Console.Out.WriteLine($"{path}: OK ({roles})");
                    return 0;
                }

                // Without an admin port nothing listens to the meters, and measuring costs nothing.
                using AdminApi? api = adminConfig is null ? null : new AdminApi();
                await using AgentHost? agent = agentConfig is null ? null : await AgentHost.StartAsync(agentConfig, loggers, restart.TakeSdsSocket(agentConfig.SocketPath));
                restart.Agent = agent;
                if (agent is not null && api is not null)
                {
                    AdminRoles.AddAgent(api, agent, agentConfig!);
                }

                // Until the edge has bound its listeners, /readyz says "starting". Not when taking
                // over from a process that serves them all: it does until this one does, so the
                // node is ready.
                if (edge is not null && !restart.ServesMeanwhile(edge))
                {
                    api?.Readiness.Expect("edge");
                }

                await using AdminServer? admin = api is null ? null
                    : await AdminServer.StartAsync(adminConfig!.Listen, api, loggers, inherited: restart.TakeAdminSocket(adminConfig.Listen));
                restart.Admin = admin;
                if (api is not null)
                {
                    api.Restart = new RestartLauncher(restart).RestartAsync;
                }
                if (admin is not null)
                {
                    logger.LogInformation("Admin port on http://{Address}/ (/metrics, /healthz, /readyz; /admin/* from loopback)", admin.Address);
                }

                if (edge is not null)
                {
                    // Certificates and ticket keys from SDS become files the edge loads and watches.
                    // (Made even when the first config names none: a reload may add one.)
                    await using var secrets = new EdgeSdsSecrets(loggers.CreateLogger("tlsgw.sds.client"));
                    EdgeConfig Load(EdgeConfig read) => EdgeSdsSecrets.Uses(read) ? secrets.Resolve(read) : read;
                    return await EdgeHost.RunAsync(Load(edge), loggers,
                        reload: () => Load(EdgeConfigReader.ReadFile(path)),
                        watchedFiles: c => EdgeConfigFiles.Enumerate(c).Append(path),
                        admin: api,
                        hotRestart: restart);
                }

                using var shutdown = new ShutdownSignal(hangup: () =>
                    logger.LogInformation("SIGHUP: the agent section is read at start; restart the process (--hot-restart) to change it"));
                restart.Serving(edge: null);
                await Task.WhenAny(shutdown.WaitAsync(), Task.Delay(Timeout.Infinite, restart.HandedOff));
                return 0;
            }
            catch (Exception e) when (e is ConfigException or FormatException)
            {
                logger.LogError("{Message}", e.Message);
                restart.Fail(e.Message);
                return 2;
            }
            catch (Exception e) when (e is IdentityIssuerException or IOException or CaException or Storage.StoreException)
            {
                logger.LogError("{Message}", e.Message);
                restart.Fail(e.Message);
                return 1;
            }
        });

        return command;
    }
}
