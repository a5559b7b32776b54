using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>The tlsgw binary as users run it: `up` with curl, `edge` with mutual TLS, and bad arguments.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Up_serves_the_demo_upstream_to_curl_trusting_the_written_bundle()
    {
        string data = Path.Combine(TestPki.Instance.Directory, "up-" + Guid.NewGuid().ToString("N"));
        int edgePort = FreePort.Next();
        int demoPort = FreePort.Next();
        int adminPort = FreePort.Next();
        await using TlsgwProcess up = TlsgwProcess.Start(
            ["up", "--data", data, "--listen", $"127.0.0.1:{edgePort}", "--upstream-listen", $"127.0.0.1:{demoPort}", "--admin", $"127.0.0.1:{adminPort}", "--ca-grpc", $"127.0.0.1:{FreePort.Next()}"]);
        await up.WaitForPortAsync(edgePort);

        ProcessResult curl = await ProcessRunner.RunAsync("curl",
            ["-sS", "--cacert", Path.Combine(data, "bundle.pem"), $"https://localhost:{edgePort}/"]);

        Assert.Equal(0, curl.ExitCode);
        Assert.Contains("Hello from the TlsGateway demo upstream", curl.StandardOutput);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "edge", "key.pem")));
        // The edge's certificate comes from the CA `up` created, whose CRL the admin address serves.
        ProcessResult crl = await ProcessRunner.RunAsync("curl", ["-sS", "-o", Path.Combine(data, "crl.der"), $"http://127.0.0.1:{adminPort}/ca/crl"]);
        Assert.Equal(0, crl.ExitCode);
        ProcessResult crlCheck = await ProcessRunner.RunAsync("openssl",
            ["crl", "-inform", "DER", "-in", Path.Combine(data, "crl.der"), "-noout", "-CAfile", Path.Combine(data, "ca", "gen-1", "cert-chain.pem")]);
        Assert.Contains("verify OK", crlCheck.StandardOutput + crlCheck.StandardError);
        Assert.Equal(0, await up.StopAsync());
        Assert.Contains("Stopped", up.Output);
    }

    [Fact]
    public async Task Up_started_again_on_the_same_data_keeps_its_cas_and_its_still_fresh_edge_certificates()
    {
        string data = Path.Combine(TestPki.Instance.Directory, "up-" + Guid.NewGuid().ToString("N"));
        string[] arguments(int port) =>
            ["up", "--data", data, "--listen", $"127.0.0.1:{port}", "--upstream-listen", $"127.0.0.1:{FreePort.Next()}", "--admin", $"127.0.0.1:{FreePort.Next()}", "--ca-grpc", "off"];
        var snapshots = new List<string>();
        for (int run = 0; run < 2; run++)
        {
            int port = FreePort.Next();
            await using TlsgwProcess up = TlsgwProcess.Start(arguments(port));
            await up.WaitForPortAsync(port);
            snapshots.Add(await File.ReadAllTextAsync(Path.Combine(data, "edge", "cert.pem")) + await File.ReadAllTextAsync(Path.Combine(data, "edge-sm2", "cert.pem"))
                + await File.ReadAllTextAsync(Path.Combine(data, "bundle.pem")));
            int exit = await up.StopAsync();
            Assert.True(exit == 0, $"run {run + 1} exited {exit}:\n{up.Output}");
        }

        Assert.Equal(snapshots[0], snapshots[1]);
    }

    [Fact]
    public async Task Edge_requires_a_client_certificate_when_asked_and_forwards_allowed_clients()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.Address,
            "--cert", pki.PathOf("ecdsa.pem"), "--key", pki.PathOf("ecdsa.key"),
            "--ca", pki.CaPath, "--require-client-cert", "--allow-spiffe-id", "spiffe://test.local/ns/default/sa/frontend",
        ]);
        await edge.WaitForPortAsync(port);

        SClientResult allowed = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test",
            extra: ["-cert", pki.PathOf("client.pem"), "-key", pki.PathOf("client.key")]);
        SClientResult intruder = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test",
            extra: ["-cert", pki.PathOf("client-other.pem"), "-key", pki.PathOf("client-other.key")]);
        SClientResult anonymous = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test");

        Assert.Contains("upstream:ping", allowed.Process.StandardOutput);
        Assert.DoesNotContain("upstream:", intruder.Process.StandardOutput);
        Assert.DoesNotContain("upstream:", anonymous.Process.StandardOutput);
        Assert.Equal(1, upstream.Accepted);
        Assert.Equal(0, await edge.StopAsync());
    }

    [Theory]
    [InlineData("--tls-min", "1.1", "minimum is 1.2")]
    [InlineData("--key", "/nonexistent/key.pem", "'/nonexistent/key.pem' does not exist")]
    [InlineData("--cert", "/nonexistent/cert.pem", "'/nonexistent/cert.pem' does not exist")]
    [InlineData("--listen", "nowhere", "--listen: expected HOST:PORT with a port from 1 to 65535, got 'nowhere'")]
    [InlineData("--upstream", "bad_host!:80", "--upstream: 'bad_host!' is neither an IP address nor a DNS name")]
    public async Task Edge_with_a_bad_argument_exits_with_an_error_naming_it(string option, string value, string expected)
    {
        TestPki pki = TestPki.Instance;
        var arguments = new Dictionary<string, string>
        {
            ["--listen"] = $"127.0.0.1:{FreePort.Next()}",
            ["--upstream"] = "127.0.0.1:9",
            ["--cert"] = pki.PathOf("ecdsa.pem"),
            ["--key"] = pki.PathOf("ecdsa.key"),
            [option] = value,
        };
        await using TlsgwProcess edge = TlsgwProcess.Start(["edge", .. arguments.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.Equal(2, await edge.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(expected, edge.Output);
    }

    [Fact]
    public async Task Edge_refuses_a_key_that_does_not_match_its_certificate()
    {
        TestPki pki = TestPki.Instance;
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{FreePort.Next()}", "--upstream", "127.0.0.1:9",
            "--cert", pki.PathOf("ecdsa.pem"), "--key", pki.PathOf("other.key"),
        ]);

        Assert.Equal(2, await edge.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("does not match", edge.Output);
    }
}
