using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Integration.Tests.Scenarios.Deploy;
using TlsGateway.Sds;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// `kill -9` of `tlsgw serve`, with the test as its supervisor (systemd restarts it after the unit's
/// RestartSec): under client load it serves again once restarted and only the outage window cost
/// requests; and killed over and over while its agent rotates keys and certificates as fast as it
/// can, it never leaves a half-written certificate, key or ticket-key file, and the temporaries a
/// kill interrupts do not linger.
/// </summary>
public sealed class EdgeKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_edge_killed_under_load_serves_again_after_its_supervisor_restarts_it_and_only_the_outage_costs_requests()
    {
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        TimeSpan restartSec = RestartSec();
        await using var load = new ClientLoad(port, "default.test", loops: 3, perRequest: TimeSpan.FromSeconds(3), limit: TimeSpan.FromSeconds(10));
        await load.WaitForSuccessesAsync(20, TimeSpan.Zero, TimeSpan.FromSeconds(8));

        TimeSpan killedAt = load.Now;
        await ProcessRunner.RunAsync("kill", ["-KILL", serve.Process.Pid.ToString(CultureInfo.InvariantCulture)]);
        int exit = await serve.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        // The supervisor: Restart= brings the unit back after RestartSec, with the same command line.
        await Task.Delay(restartSec);
        await using TlsgwProcess restarted = TlsgwProcess.Start(["serve", "-c", serve.ConfigPath]);
        await restarted.WaitForPortAsync(port);
        TimeSpan servingAgainAt = load.Now;
        await load.WaitForSuccessesAsync(30, servingAgainAt, TimeSpan.FromSeconds(6));
        IReadOnlyList<RequestSample> samples = await load.StopAsync();

        List<RequestSample> before = samples.Where(s => s.Started + s.Latency < killedAt).ToList();
        List<RequestSample> outage = samples.Where(s => s.Started < servingAgainAt && s.Started + s.Latency >= killedAt).ToList();
        List<RequestSample> after = samples.Where(s => s.Started >= servingAgainAt).ToList();
        output.WriteLine($"kill -9 exit status {exit}; supervisor RestartSec {restartSec.TotalSeconds:0.#} s; outage window {(servingAgainAt - killedAt).TotalSeconds:0.00} s");
        output.WriteLine($"before the kill:    {before.Count(s => s.Ok)} ok, {before.Count(s => !s.Ok)} failed");
        output.WriteLine($"during the outage:  {outage.Count(s => s.Ok)} ok, {outage.Count(s => !s.Ok)} failed (in flight at the kill or refused while down)");
        output.WriteLine($"after the restart:  {after.Count(s => s.Ok)} ok, {after.Count(s => !s.Ok)} failed; slowest {after.Max(s => s.Latency).TotalMilliseconds:0} ms");
        foreach (string error in samples.Where(s => !s.Ok).Select(s => s.Error!).Distinct().Take(5))
        {
            output.WriteLine("  failure: " + error);
        }

        Assert.Equal(128 + 9, exit);
        Assert.True(before.Count(s => s.Ok) >= 20);
        Assert.DoesNotContain(before, s => !s.Ok);
        Assert.DoesNotContain(after, s => !s.Ok);
        Assert.True(after.Count(s => s.Ok) >= 30);
    }

    [Fact]
    public async Task Kill_9_while_the_agent_rotates_leaves_every_written_file_whole_and_no_temporary_behind()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using var upstream = new PlainEchoUpstream("echo");
        using var dir = new TempDirectory();
        string tmp = Directory.CreateDirectory(dir.PathOf("tmp")).FullName;
        int port = FreePort.Next();
        // 3 s certificates and ticket keys rotated every 20 ms: the agent is always writing something.
        string config = Sds.EdgeFromSdsTests.WriteConfig(dir, ca, port, upstream.Address, ttl: "3s",
            ticketKeys: "file: agent/ticket-keys.json, rotation: 20ms");
        // TMPDIR: where the edge mirrors its SDS secrets, so the test can inspect what a kill leaves.
        var environment = new Dictionary<string, string> { ["TMPDIR"] = tmp };
        int[] killAfterMs = [150, 600, 350, 900];
        int filesChecked = 0;
        int agentTemporariesAfterKills = 0;
        var broken = new List<string>();
        foreach (int delay in killAfterMs)
        {
            await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", config], environment);
            await serve.WaitForPortAsync(port, TimeSpan.FromSeconds(45));
            await Task.Delay(delay);
            await ProcessRunner.RunAsync("kill", ["-KILL", serve.Pid.ToString(CultureInfo.InvariantCulture)]);
            Assert.Equal(128 + 9, await serve.WaitForExitAsync(TimeSpan.FromSeconds(10)));

            (int files, List<string> problems) = CheckWrittenFiles(dir.PathOf("agent"), tmp);
            filesChecked += files;
            broken.AddRange(problems);
            agentTemporariesAfterKills += Temporaries(dir.PathOf("agent")).Count;
        }

        // Started once more: it loads what the kills left, serves, and cleans up after them.
        await using TlsgwProcess last = TlsgwProcess.Start(["serve", "-c", config], environment);
        await last.WaitForPortAsync(port, TimeSpan.FromSeconds(45));
        SClientResult served = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", "after", caFile: ca.Bundle);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        while (Temporaries(dir.PathOf("agent")).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        List<string> agentTemporaries = Temporaries(dir.PathOf("agent"));
        string[] mirrorsBeforeStop = Directory.GetDirectories(tmp, "tlsgw-sds-*");
        Assert.Equal(0, await last.StopAsync());
        string[] mirrorsLeft = Directory.GetDirectories(tmp, "tlsgw-sds-*");
        int keysLeft = mirrorsLeft.Sum(d => Directory.GetFiles(d, "key.pem", SearchOption.AllDirectories).Length);
        output.WriteLine($"{killAfterMs.Length} kills (-9) at {string.Join(", ", killAfterMs)} ms after serving; {filesChecked} written files checked after them, {broken.Count} not whole");
        output.WriteLine($"temporaries in the agent's directory right after the kills (summed): {agentTemporariesAfterKills}; "
            + $"left after the restart: {agentTemporaries.Count}; in the killed edges' SDS mirrors: {Temporaries(tmp).Count}");
        output.WriteLine($"edge SDS mirror directories: {mirrorsBeforeStop.Length} before the last clean stop, {mirrorsLeft.Length} after it ({keysLeft} key.pem files in them, left by the killed processes)");
        broken.ForEach(b => output.WriteLine("  not whole: " + b));

        Assert.Empty(broken);
        Assert.True(filesChecked >= killAfterMs.Length * 3, $"only {filesChecked} files checked");
        Assert.True(served.VerifiedOk && served.Echoed("after"), served.Output);
        Assert.Empty(agentTemporaries);
        // The next start removes the killed processes' mirrors (their keys with them), the clean stop its own.
        Assert.Single(mirrorsBeforeStop);
        Assert.Empty(mirrorsLeft);
    }

    /// <summary>Every file the agent and the edge's SDS mirror wrote parses: the ticket-key ring, each certificate with its key, each ticket-key file.</summary>
    private static (int Files, List<string> Problems) CheckWrittenFiles(string agentDirectory, string tmp)
    {
        var problems = new List<string>();
        int files = 0;
        string ring = Path.Combine(agentDirectory, "ticket-keys.json");
        files++;
        try
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(ring));
            List<byte[]> keys = json.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("bytes").GetBytesFromBase64()).ToList();
            if (keys.Count < 2 || keys.Any(k => k.Length != SessionTicketKeys.KeyLength))
            {
                problems.Add($"{ring}: {keys.Count} keys of {string.Join('/', keys.Select(k => k.Length))} bytes");
            }
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            problems.Add($"{ring}: {e.GetType().Name}");
        }

        foreach (string certificate in Directory.GetFiles(tmp, "cert.pem", SearchOption.AllDirectories))
        {
            files += 2;
            string key = Path.Combine(Path.GetDirectoryName(certificate)!, "key.pem");
            try
            {
                // Throws unless both parse and the key is the certificate's; the key is never printed.
                using X509Certificate2 pair = X509Certificate2.CreateFromPem(File.ReadAllText(certificate), File.ReadAllText(key));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException or IOException)
            {
                problems.Add($"{certificate} with its key.pem: {e.GetType().Name}");
            }
        }

        foreach (string keys in Directory.GetFiles(tmp, "keys", SearchOption.AllDirectories))
        {
            files++;
            long length = new FileInfo(keys).Length;
            if (length == 0 || length % SessionTicketKeys.KeyLength != 0)
            {
                problems.Add($"{keys}: {length} bytes, not a whole number of 80-byte keys");
            }
        }

        return (files, problems);
    }

    private static List<string> Temporaries(string directory) =>
        Directory.GetFiles(directory, ".*.tmp", SearchOption.AllDirectories).ToList();

    private static TimeSpan RestartSec()
    {
        string? value = SystemdUnit.Read(Path.Combine(DeployFiles.Root, "systemd", "tlsgw-edge.service")).Get("Service", "RestartSec");
        return value is not null && value.EndsWith('s') && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMilliseconds(100); // systemd's default RestartSec
    }
}
