using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Hot reload of `tlsgw serve`: certificate files and config changes apply to new connections only; bad configs are refused.</summary>
public sealed class ServeReloadTests
{
    [Fact]
    public async Task A_replaced_certificate_file_serves_new_connections_while_a_long_lived_one_stays_up()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream("up", streaming: true);
        string directory = ServeProcess.NewDirectory();
        string cert = Path.Combine(directory, "served.pem");
        string key = Path.Combine(directory, "served.key");
        File.Copy(pki.PathOf("default.pem"), cert);
        File.Copy(pki.PathOf("default.key"), key);
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address], certificatePath: cert, keyPath: key)]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port, directory);
        await using TlsTestClient longLived = await TlsTestClient.ConnectAsync(port, "default.test");
        Assert.Contains("up:first", await longLived.ExchangeAsync("first"));

        // Replace the pair the way cert tools do: write beside, rename over (key first, then cert).
        File.Copy(pki.PathOf("other.key"), key + ".tmp");
        File.Move(key + ".tmp", key, overwrite: true);
        File.Copy(pki.PathOf("other.pem"), cert + ".tmp");
        File.Move(cert + ".tmp", cert, overwrite: true);
        await serve.Process.WaitForOutputAsync("Configuration reloaded");
        SClientResult fresh = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");

        Assert.Equal("CN = other.test", fresh.Subject);
        Assert.Contains("up:ping", fresh.Process.StandardOutput);
        Assert.Contains("up:second", await longLived.ExchangeAsync("second"));
    }

    [Fact]
    public async Task A_config_in_a_kubernetes_configmap_volume_reloads_when_the_kubelet_swaps_its_data_link()
    {
        await using var first = new PlainEchoUpstream("first");
        await using var second = new PlainEchoUpstream("second");
        int port = FreePort.Next();
        string directory = ServeProcess.NewDirectory();
        string mount = Path.Combine(directory, "configmap");
        // The kubelet's layout: tlsgw.yaml -> ..data/tlsgw.yaml, ..data -> a timestamped directory.
        WriteVersion(mount, "..2026_11_24_01_00_00.1", ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [first.Address])]));
        File.CreateSymbolicLink(Path.Combine(mount, "..data"), "..2026_11_24_01_00_00.1");
        File.CreateSymbolicLink(Path.Combine(mount, "tlsgw.yaml"), Path.Combine("..data", "tlsgw.yaml"));
        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", Path.Combine(mount, "tlsgw.yaml")]);
        await serve.WaitForPortAsync(port);
        SClientResult before = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");
        Assert.True(before.Process.StandardOutput.Contains("first:ping"), before.Output + "\n" + serve.Output);

        // An update, as the kubelet's AtomicWriter does it: new directory, new link, rename over ..data.
        WriteVersion(mount, "..2026_11_24_01_05_00.2", ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [second.Address])]));
        File.CreateSymbolicLink(Path.Combine(mount, "..data_tmp"), "..2026_11_24_01_05_00.2");
        // rename(2) of the link itself over the old one (File.Move would follow it to a directory).
        ProcessResult swap = await ProcessRunner.RunAsync("mv", ["-T", Path.Combine(mount, "..data_tmp"), Path.Combine(mount, "..data")]);
        Assert.Equal(0, swap.ExitCode);
        await serve.WaitForOutputAsync("Configuration reloaded (file changed)");

        Assert.Contains("second:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test")).Process.StandardOutput);
    }

    private static void WriteVersion(string mount, string version, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(mount, version));
        File.WriteAllText(Path.Combine(mount, version, "tlsgw.yaml"), yaml);
    }

    [Fact]
    public async Task A_broken_config_is_refused_at_SIGHUP_and_the_old_one_keeps_serving()
    {
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        string good = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]);
        await using ServeProcess serve = await ServeProcess.StartAsync(good, port);

        await serve.RewriteConfigAsync(good.Replace("connect_timeout: 1s", "connect_timeout: soon"));
        await serve.SignalAsync("HUP");
        await serve.Process.WaitForOutputAsync("refused, still serving the previous configuration");
        SClientResult after = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.Contains("tlsgw.yaml:", serve.Process.Output);
        Assert.Contains("upstream.connect_timeout", serve.Process.Output);
        Assert.Contains("upstream:ping", after.Process.StandardOutput);
    }

    [Fact]
    public async Task A_chain_added_to_the_config_takes_effect_on_SIGHUP()
    {
        await using var first = new PlainEchoUpstream("first");
        await using var second = new PlainEchoUpstream("second");
        int port = FreePort.Next();
        string before = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [first.Address])]);
        string after = ServeConfig.Listener(port,
        [
            ServeConfig.Chain("main", [], "default", [first.Address]),
            ServeConfig.Chain("added", ["other.test"], "other", [second.Address]),
        ]);
        await using ServeProcess serve = await ServeProcess.StartAsync(before, port);
        SClientResult beforeReload = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");

        await serve.RewriteConfigAsync(after);
        await serve.SignalAsync("HUP");
        await serve.Process.WaitForOutputAsync("Configuration reloaded");
        SClientResult afterReload = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");

        Assert.Contains("first:ping", beforeReload.Process.StandardOutput);
        Assert.Contains("second:ping", afterReload.Process.StandardOutput);
    }

    [Fact]
    public async Task A_config_that_cannot_load_at_start_names_file_line_and_key_and_exits()
    {
        string directory = ServeProcess.NewDirectory();
        string config = Path.Combine(directory, "tlsgw.yaml");
        await File.WriteAllTextAsync(config, ServeConfig.Listener(FreePort.Next(), [ServeConfig.Chain("main", [], "default", ["127.0.0.1:9"])])
            .Replace("address: 127.0.0.1", "adress: 127.0.0.1"));
        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", config]);

        Assert.Equal(2, await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains($"{config}:4: edge.listeners[0].adress: unknown key", serve.Output);
    }
}
