using System.Globalization;
using System.Net;
using TlsGateway.Integration.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static TlsGateway.Integration.Tests.Scenarios.Deploy.DeployFiles;

namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// The systemd units in deploy/systemd: systemd's own `systemd-analyze verify` accepts them (with
/// ExecStart pointed at a stand-in binary, since verify insists the program exists), they are
/// hardened, and they agree with the configs beside them: the socket and its group, the admin
/// ports, SIGHUP only where the process reloads on it, a capability only where a port needs it.
/// </summary>
public sealed class SystemdUnitTests
{
    private const string Binary = "/opt/tlsgw/tlsgw";

    private static string Directory => Path.Combine(Root, "systemd");

    private static IReadOnlyList<SystemdUnit> Units() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.service").Order(StringComparer.Ordinal).Select(SystemdUnit.Read).ToList();

    private static SystemdUnit Unit(string name) => Units().Single(u => u.Name == name);

    [Fact]
    public async Task The_units_pass_systemd_analyze_verify_without_a_warning()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<string> units = CopyForVerify(dir, Units().Select(u => u.Path));

        ProcessResult verify = await VerifyAsync(units);

        Assert.True(verify.ExitCode == 0 && verify.Combined.Trim().Length == 0, $"systemd-analyze verify:\n{verify.Combined}");
        Assert.Equal(["tlsgw-agent.service", "tlsgw-ca.service", "tlsgw-edge.service"], Units().Select(u => u.Name));
    }

    [Fact]
    public async Task Systemd_analyze_verify_reports_a_misspelt_key_in_a_copy_of_a_unit()
    {
        using var dir = new TempDirectory();
        string broken = dir.Write("tlsgw-edge.service",
            File.ReadAllText(Unit("tlsgw-edge.service").Path).Replace("NoNewPrivileges=", "NoNewPrivilege=", StringComparison.Ordinal));
        IReadOnlyList<string> units = CopyForVerify(dir, [broken]);

        ProcessResult verify = await VerifyAsync(units);

        Assert.Contains("Unknown key", verify.Combined);
        Assert.Contains("NoNewPrivilege", verify.Combined);
    }

    [Fact]
    public void Every_unit_runs_as_its_own_user_restarts_on_failure_and_is_hardened()
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (SystemdUnit unit in Units())
        {
            // `serve` tells systemd when it is ready and, after a hot restart, which process is the
            // main one now (docs/hot-restart.md): that needs Type=notify with NotifyAccess=all.
            bool serves = unit.ExecStart.Count > 1 && unit.ExecStart[1] == "serve";
            Assert.Equal(serves ? "notify" : "exec", unit.Get("Service", "Type"));
            if (serves)
            {
                Assert.Equal("all", unit.Get("Service", "NotifyAccess"));
                Assert.StartsWith("/run/", unit.Option("--restart-socket"));
            }

            string user = unit.Get("Service", "User") ?? "";
            Assert.True(user.Length > 0 && user != "root", $"{unit}: User={user}");
            Assert.True(users.Add(user), $"{unit}: User={user} is shared with another unit");
            Assert.Contains(SysusersLines(), l => l.Length > 1 && l[0] == "u" && l[1] == user);
            Assert.Equal("on-failure", unit.Get("Service", "Restart"));
            Assert.Equal("yes", unit.Get("Service", "NoNewPrivileges"));
            Assert.Equal("strict", unit.Get("Service", "ProtectSystem"));
            Assert.Equal("yes", unit.Get("Service", "PrivateTmp"));
            Assert.Equal("yes", unit.Get("Service", "ProtectHome"));
            string state = "/var/lib/" + unit.Get("Service", "StateDirectory");
            Assert.Contains(state, unit.All("Service", "ReadWritePaths").SelectMany(p => p.Split(' ')));
            Assert.Equal(Binary, unit.ExecStart[0]);
            Assert.Equal("json", unit.Option("--log-format"));
        }
    }

    [Fact]
    public void Only_the_unit_whose_process_reloads_on_SIGHUP_has_ExecReload_and_only_one_binding_below_1024_keeps_a_capability()
    {
        foreach (SystemdUnit unit in Units())
        {
            // `serve` reloads its edge section on SIGHUP; `ca serve` and an agent-only `serve` have
            // nothing to reload (they log the signal and go on), so ExecReload there would promise a reload.
            bool reloads = unit.ExecStart[1] == "serve" && Node(Config(unit), "edge") is not null;
            if (reloads)
            {
                Assert.Equal("/bin/kill -HUP $MAINPID", unit.Get("Service", "ExecReload"));
            }
            else
            {
                Assert.False(unit.Has("Service", "ExecReload"), $"{unit}: ExecReload would reload nothing");
            }

            int lowest = Ports(unit).Min();
            string expected = lowest < 1024 ? "CAP_NET_BIND_SERVICE" : "";
            Assert.True(unit.Has("Service", "CapabilityBoundingSet"), $"{unit}: no CapabilityBoundingSet=");
            Assert.Equal(expected, unit.Get("Service", "CapabilityBoundingSet"));
            Assert.Equal(expected, unit.Get("Service", "AmbientCapabilities") ?? "");
        }

        Assert.Contains(Units(), u => u.Has("Service", "ExecReload"));
    }

    [Fact]
    public void The_units_and_their_configs_agree_on_the_socket_its_group_the_state_directories_and_the_admin_ports()
    {
        SystemdUnit agent = Unit("tlsgw-agent.service");
        SystemdUnit edge = Unit("tlsgw-edge.service");
        SystemdUnit ca = Unit("tlsgw-ca.service");
        YamlNode agentConfig = Config(agent);
        YamlNode edgeConfig = Config(edge);

        string socket = Text(agentConfig, "agent", "sds_socket")!;
        Assert.Equal("/run/" + agent.Get("Service", "RuntimeDirectory"), Path.GetDirectoryName(socket));
        var edgeSockets = Sockets(edgeConfig).ToList();
        Assert.NotEmpty(edgeSockets);
        Assert.All(edgeSockets, s => Assert.Equal(socket, s));
        string group = agent.Get("Service", "Group")!;
        Assert.Contains(group, edge.Get("Service", "SupplementaryGroups")!.Split(' '));
        Assert.Contains(SysusersLines(), l => l is ["m", "tlsgw-edge", _] && l[2] == group);
        Assert.Contains("tlsgw-agent.service", edge.All("Unit", "After").SelectMany(a => a.Split(' ')));

        string state = "/var/lib/" + agent.Get("Service", "StateDirectory") + "/";
        Assert.StartsWith(state, Text(agentConfig, "agent", "ca", "identity_dir"));
        Assert.StartsWith(state, Text(agentConfig, "agent", "ticket_keys", "file"));

        string[] admins = [ca.Option("--admin")!, Text(agentConfig, "admin", "listen")!, Text(edgeConfig, "admin", "listen")!];
        Assert.Equal(3, admins.Select(a => IPEndPoint.Parse(a).Port).Distinct().Count());
    }

    /// <summary>tlsgw.sysusers.conf, one array of fields per line (comments left out).</summary>
    private static IReadOnlyList<string[]> SysusersLines() =>
        File.ReadAllLines(Path.Combine(Directory, "tlsgw.sysusers.conf"))
            .Where(l => !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 0).ToList();

    /// <summary>Copies of the units with ExecStart's binary replaced by a stand-in: verify insists the program exists.</summary>
    private static IReadOnlyList<string> CopyForVerify(TempDirectory dir, IEnumerable<string> units)
    {
        string standIn = dir.Write("tlsgw", "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        string copies = Path.Combine(dir.Path, "units");
        System.IO.Directory.CreateDirectory(copies);
        return units.Select(u =>
        {
            string copy = Path.Combine(copies, Path.GetFileName(u));
            File.WriteAllText(copy, File.ReadAllText(u).Replace(Binary, standIn, StringComparison.Ordinal));
            return copy;
        }).ToList();
    }

    private static async Task<ProcessResult> VerifyAsync(IReadOnlyList<string> units)
    {
        ProcessResult which = await ProcessRunner.RunAsync("sh", ["-c", "command -v systemd-analyze"]);
        Assert.True(which.ExitCode == 0, "systemd-analyze is not installed (Debian: apt-get install systemd)");
        return await ProcessRunner.RunAsync("systemd-analyze", ["verify", "--man=no", .. units], timeout: TimeSpan.FromSeconds(60));
    }

    /// <summary>The config a `serve -c /etc/tlsgw/NAME.yaml` unit runs: deploy/systemd/NAME.yaml.</summary>
    private static YamlNode Config(SystemdUnit unit)
    {
        string path = unit.Option("-c") ?? throw new InvalidOperationException($"{unit} runs no `serve -c`");
        Assert.StartsWith("/etc/tlsgw/", path);
        return Load(Path.Combine(Directory, Path.GetFileName(path)))[0].RootNode;
    }

    /// <summary>Every TCP port the unit's process binds.</summary>
    private static IEnumerable<int> Ports(SystemdUnit unit)
    {
        if (unit.ExecStart[1] == "ca")
        {
            return new[] { "--admin", "--grpc-listen" }.Select(o => IPEndPoint.Parse(unit.Option(o)!).Port);
        }

        YamlNode config = Config(unit);
        return Mappings(config, "edge", "listeners").Select(l => Text(l, "address")!)
            .Append(Text(config, "admin", "listen")!)
            .Select(a => int.Parse(a[(a.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    private static IEnumerable<string> Sockets(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.SelectMany(kv =>
            ((YamlScalarNode)kv.Key).Value == "sds" && Text(kv.Value, "socket") is { } s ? [s] : Sockets(kv.Value)),
        YamlSequenceNode s => s.Children.SelectMany(Sockets),
        _ => [],
    };
}
