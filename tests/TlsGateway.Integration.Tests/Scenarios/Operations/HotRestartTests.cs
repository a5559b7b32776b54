using System.Net.Sockets;
using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// `tlsgw serve --hot-restart`: a new process takes the listening sockets (and ticket keys) of
/// the running one, which drains and exits — under load, with nothing refused or reset.
/// </summary>
public sealed class HotRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(20);

    // A generous upstream connect timeout: on a loaded 2-core machine the new process's start-up
    // (JIT) can delay the old one's connect completions past the usual 1 s; a client lost that way
    // would be the upstream's loss, not the restart's.
    private static string Config(int port, string upstream, int admin) =>
        ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream], connectTimeout: "10s")]) + $"admin:\n  listen: 127.0.0.1:{admin}\n";

    private static TlsgwProcess StartReplacement(ServeProcess old, params string[] extra) =>
        TlsgwProcess.Start(["serve", "-c", old.ConfigPath, "--hot-restart", .. extra]);

    // The restart socket is bound once every role serves, just after the ports open.
    private static async Task<ServeProcess> StartOldAsync(int port, string upstream, int admin)
    {
        ServeProcess old = await ServeProcess.StartAsync(Config(port, upstream, admin), port);
        await old.Process.WaitForOutputAsync(TakeOverReady);
        return old;
    }

    private const string TakeOverReady = "can take over from this one";

    [Fact]
    public async Task A_hot_restart_under_load_refuses_and_resets_no_connection()
    {
        await using var upstream = new PlainEchoUpstream("up", streaming: true);
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);
        await old.Process.WaitForPortAsync(admin);

        // Load, bounded in time: full handshakes (a fresh client context each, so no resumption),
        // requests on keep-alive connections opened before the restart, and admin probes.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var load = new RestartLoad(port, admin);
        Task running = load.RunAsync(handshakeWorkers: 3, keepAliveWorkers: 2, stop.Token);
        await Eventually.EqualAsync(true, () => load.Handshakes > 20);

        await using TlsgwProcess replacement = StartReplacement(old);
        await old.Process.WaitForOutputAsync("serves now; this one stopped accepting");
        await replacement.WaitForOutputAsync("stopped accepting and drains");
        long atHandOff = load.Handshakes;
        await Eventually.EqualAsync(true, () => load.Handshakes > atHandOff + 20); // the new process serves the load
        stop.Cancel();
        await running;

        output.WriteLine(load.Summary());
        if (!load.Failures.IsEmpty)
        {
            output.WriteLine("old:\n" + old.Process.Output + "\nnew:\n" + replacement.Output);
        }

        Assert.True(load.Failures.IsEmpty, load.Summary() + "\n" + string.Join("\n", load.Failures.Take(5)));
        Assert.True(load.KeepAliveRequests > 0 && load.AdminProbes > 0, load.Summary());

        // The keep-alive connections have closed: the old process exits on its own, cleanly.
        Assert.Equal(0, await old.Process.WaitForExitAsync(ExitWithin));
        Assert.False(replacement.HasExited);
        SClientResult after = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");
        Assert.True(after.Echoed("ping") || after.Output.Contains("up:ping", StringComparison.Ordinal), after.Output);
        Assert.Equal(200, await AdminStatusAsync(admin, "/readyz"));
    }

    [Fact]
    public async Task A_session_from_the_old_process_resumes_on_the_new_one()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);
        string session = Path.Combine(old.Directory, "session.pem");
        SClientResult first = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test", extra: ["-tls1_3", "-sess_out", session]);
        Assert.False(first.Reused, first.Output);

        await using TlsgwProcess replacement = StartReplacement(old);
        Assert.Equal(0, await old.Process.WaitForExitAsync(ExitWithin));

        SClientResult resumed = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test", extra: ["-tls1_3", "-sess_in", session]);
        Assert.True(resumed.Reused, resumed.Output);
        Assert.Contains("Hot restart: took over 2 listening sockets", replacement.Output);
    }

    [Fact]
    public async Task A_replacement_that_fails_to_start_leaves_the_old_process_serving_and_it_says_why()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);
        string broken = Path.Combine(old.Directory, "broken.yaml");
        await File.WriteAllTextAsync(broken, "edge:\n  listeners: 12\n");

        await using TlsgwProcess replacement = TlsgwProcess.Start(["serve", "-c", broken, "--hot-restart", "--restart-socket", old.ConfigPath + ".restart.sock"]);
        Assert.Equal(2, await replacement.WaitForExitAsync(ExitWithin));
        await old.Process.WaitForOutputAsync("failed, still serving");
        Assert.Contains("broken.yaml", old.Process.Output);

        Assert.False(old.Process.HasExited);
        SClientResult still = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");
        Assert.Contains("up:ping", still.Process.StandardOutput);
        Assert.Equal(200, await AdminStatusAsync(admin, "/healthz"));

        // And a good replacement still takes over afterwards.
        await using TlsgwProcess good = StartReplacement(old);
        Assert.Equal(0, await old.Process.WaitForExitAsync(ExitWithin));
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    [Fact]
    public async Task An_agent_and_edge_hand_over_the_SDS_socket_and_keep_serving_the_fleets_keys_and_renewals()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using var upstream = new PlainEchoUpstream("echo");
        using var dir = new TempDirectory();
        int port = FreePort.Next();
        string config = Sds.EdgeFromSdsTests.WriteConfig(dir, ca, port, upstream.Address, ttl: "16s");
        await using TlsgwProcess old = TlsgwProcess.Start(["serve", "-c", config]);
        await old.WaitForPortAsync(port, TimeSpan.FromSeconds(45));
        await old.WaitForOutputAsync(TakeOverReady);
        string session = dir.PathOf("session.pem");
        SClientResult first = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "one", caFile: ca.Bundle, extra: ["-tls1_3", "-sess_out", session]);
        Assert.True(first.VerifiedOk, first.Output);

        await using TlsgwProcess replacement = TlsgwProcess.Start(["serve", "-c", config, "--hot-restart"]);
        Assert.Equal(0, await old.WaitForExitAsync(ExitWithin));
        Assert.Contains("took over 2 listening sockets", replacement.Output); // the edge listener and the SDS socket
        Assert.True(File.Exists(dir.PathOf("sds.sock")), "the old process deleted the SDS socket it handed over");

        // The fleet's ticket keys come from the agent's key file: the old session resumes.
        SClientResult resumed = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "two", caFile: ca.Bundle, extra: ["-tls1_3", "-sess_in", session]);
        Assert.True(resumed.Reused, resumed.Output);
        Assert.True(resumed.Echoed("two"), resumed.Output);

        // The new process's edge follows its agent: a renewal (16 s certificates) reaches it.
        await replacement.WaitForOutputAsync("Configuration reloaded", TimeSpan.FromSeconds(30));
        SClientResult later = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "three", caFile: ca.Bundle);
        Assert.True(later.VerifiedOk && later.Echoed("three"), later.Output);
    }

    [Fact]
    public async Task The_admin_restart_call_starts_the_same_command_again_and_reports_the_take_over()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);
        await old.Process.WaitForPortAsync(admin);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
        using HttpResponseMessage response = await http.PostAsync($"http://127.0.0.1:{admin}/admin/restart", null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body + old.Process.Output);
        int pid = int.Parse(Regex.Match(body, @"process (\d+) serves now").Groups[1].Value);
        try
        {
            // The new process shares the old one's output pipes, so its exit is watched by pid, not by end of output.
            await Eventually.EqualAsync(true, () => old.Process.HasExited, TimeSpan.FromSeconds(20));
            Assert.Equal(0, old.Process.ExitCode);
            Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
            Assert.Equal(200, await AdminStatusAsync(admin, "/healthz"));
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", pid.ToString()]);
            await Eventually.EqualAsync(false, () => Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(20));
        }
    }

    [Theory]
    [InlineData("not a message")]
    [InlineData("\u0000\u0000\u0000\u0010{\"type\":\"hello\"}")]
    [InlineData("\u0000\u0000\u0000\u0011{\"type\":\"serving\"}")]
    public async Task Garbage_on_the_restart_socket_is_refused_and_the_process_serves_on(string garbage)
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);

        using (var rogue = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified))
        {
            await rogue.ConnectAsync(new UnixDomainSocketEndPoint(old.ConfigPath + ".restart.sock"));
            await rogue.SendAsync(System.Text.Encoding.UTF8.GetBytes(garbage), SocketFlags.None);
            var buffer = new byte[4096];
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await rogue.ReceiveAsync(buffer, SocketFlags.None, limit.Token) > 0)
            {
                // a refusal, then the end of the conversation
            }
        }

        await old.Process.WaitForOutputAsync(", still serving");
        Assert.DoesNotContain("handed", old.Process.Output);
        Assert.False(old.Process.HasExited);
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    [Fact]
    public async Task Under_systemd_the_old_process_says_ready_and_the_new_one_says_it_is_the_main_process_now()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        using var dir = new TempDirectory();
        // Plays systemd's notify socket (sd_notify(3)): one datagram per state change.
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(dir.PathOf("notify.sock")));
        var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = dir.PathOf("notify.sock") };
        string config = dir.Write("tlsgw.yaml", ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]));

        await using TlsgwProcess old = TlsgwProcess.Start(["serve", "-c", config], environment);
        Assert.Equal("READY=1", await NotificationAsync(systemd));
        await using TlsgwProcess replacement = TlsgwProcess.Start(["serve", "-c", config, "--hot-restart"], environment);

        Assert.Equal($"MAINPID={replacement.Pid}\nREADY=1", await NotificationAsync(systemd));
        Assert.Equal(0, await old.WaitForExitAsync(ExitWithin));
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    private static async Task<string> NotificationAsync(Socket systemd)
    {
        var buffer = new byte[512];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int length = await systemd.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

    [Fact]
    public async Task A_config_too_deep_for_a_socket_beside_it_restarts_through_one_in_the_temporary_directory()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        using var dir = new TempDirectory();
        // Beside this config, the socket path would exceed the 107 bytes a Unix socket path may have.
        string deep = Directory.CreateDirectory(Path.Combine(dir.Path, new string('d', 60), new string('e', 60))).FullName;
        string config = Path.Combine(deep, "tlsgw.yaml");
        await File.WriteAllTextAsync(config, ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]));

        await using TlsgwProcess old = TlsgwProcess.Start(["serve", "-c", config]);
        await old.WaitForOutputAsync(TakeOverReady);
        Assert.Matches(@"through /.*/tlsgw-[0-9a-f]{16}\.restart\.sock", old.Output);
        await using TlsgwProcess replacement = TlsgwProcess.Start(["serve", "-c", config, "--hot-restart"]);

        Assert.Equal(0, await old.WaitForExitAsync(ExitWithin));
        Assert.Contains("took over 1 listening sockets", replacement.Output);
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    [Fact]
    public async Task A_replacement_whose_config_moves_the_admin_port_binds_the_new_one_and_the_old_one_closes()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        int admin = FreePort.Next();
        int moved = FreePort.Next();
        await using ServeProcess old = await StartOldAsync(port, upstream.Address, admin);
        string config = Path.Combine(old.Directory, "moved.yaml");
        await File.WriteAllTextAsync(config, Config(port, upstream.Address, moved));

        await using TlsgwProcess replacement = TlsgwProcess.Start(["serve", "-c", config, "--hot-restart", "--restart-socket", old.ConfigPath + ".restart.sock"]);
        Assert.Equal(0, await old.Process.WaitForExitAsync(ExitWithin));

        await replacement.WaitForPortAsync(moved);
        Assert.Equal(200, await AdminStatusAsync(moved, "/healthz"));
        Assert.False(LoopbackProbe.Accepts(admin), "the old admin port still accepts after its process exited");
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    [Fact]
    public async Task Hot_restart_with_nothing_running_starts_fresh()
    {
        await using var upstream = new PlainEchoUpstream("up");
        int port = FreePort.Next();
        string directory = ServeProcess.NewDirectory();
        string config = Path.Combine(directory, "tlsgw.yaml");
        await File.WriteAllTextAsync(config, ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]));

        await using TlsgwProcess fresh = TlsgwProcess.Start(["serve", "-c", config, "--hot-restart"]);
        await fresh.WaitForPortAsync(port);
        Assert.Contains("no running tlsgw answers", fresh.Output);
        Assert.Contains("up:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    private static async Task<int> AdminStatusAsync(int admin, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using HttpResponseMessage response = await http.GetAsync($"http://127.0.0.1:{admin}{path}");
        return (int)response.StatusCode;
    }
}
