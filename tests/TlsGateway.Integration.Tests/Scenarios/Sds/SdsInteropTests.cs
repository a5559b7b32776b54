using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Sds;

/// <summary>
/// `tlsgw up`'s SDS agent against a real SDS v3 client: the Node peer in tests/peers/sds-client,
/// built from Envoy's own protos, on the agent's Unix socket. One `up` (20 s workload certificates,
/// so renewal at 50% ± 10% pushes a new one every 8–12 s) serves the whole class; the tests run one
/// after another and only the NACK test NACKs. Non-goal: driving Envoy itself (not packaged here).
/// </summary>
public sealed class SdsInteropTests(SdsInteropTests.Gateway gateway) : IClassFixture<SdsInteropTests.Gateway>
{
    private const string WorkloadId = "spiffe://tlsgw.local/ns/default/sa/root";

    /// <summary>The renewal pushes a new certificate at most ~12 s after the previous one; the rest is slack for a loaded machine.</summary>
    private static readonly TimeSpan s_rotationBound = TimeSpan.FromSeconds(16);

    [Fact]
    public async Task A_subscribed_client_gets_the_certificate_and_roots_and_then_a_rotation_pushed_on_the_same_stream()
    {
        string output = gateway.Scratch("rotation");

        SdsClientRun run = await NodeSdsClient.RunAsync("stream", gateway.Socket,
            ["--names", "default,ROOTCA", "--rotations", "1", "--out", output], TimeSpan.FromSeconds(30));

        Assert.True(run.Succeeded, run.ToString());
        IReadOnlyList<JsonElement> certificates = run.Served("default");
        Assert.True(certificates.Count >= 2, run.ToString());
        Assert.NotEmpty(run.Served("ROOTCA"));
        JsonElement first = certificates[0];
        JsonElement rotated = certificates[^1];
        Assert.NotEqual(first.GetProperty("serial").GetString(), rotated.GetProperty("serial").GetString());
        long subscribedAt = run.Named("subscribed")[0].GetProperty("elapsed_ms").GetInt64();
        long rotatedAt = run.Named("response").Last().GetProperty("elapsed_ms").GetInt64();
        Assert.True(TimeSpan.FromMilliseconds(rotatedAt - subscribedAt) < s_rotationBound, $"the rotation took {rotatedAt - subscribedAt} ms:\n{run}");
        // Every response is a new version under a fresh nonce, and the client ACKed each with both.
        IReadOnlyList<JsonElement> responses = run.Named("response");
        Assert.Equal(responses.Count, responses.Select(r => r.GetProperty("nonce").GetString()).Distinct().Count());
        Assert.All(responses, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("version_info").GetString()), run.ToString()));
        Assert.Equal(responses.Select(r => (r.GetProperty("version_info").GetString(), r.GetProperty("nonce").GetString())),
            run.Named("ack").Select(a => (a.GetProperty("version_info").GetString(), a.GetProperty("response_nonce").GetString())));
        // The rotated certificate has the short lifetime asked for and chains to the served roots.
        DateTimeOffset notAfter = rotated.GetProperty("not_after").GetDateTimeOffset();
        Assert.InRange(notAfter, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(22));
        await AssertVerifiesAsync(rotated, run.Served("ROOTCA")[^1]);
    }

    [Fact]
    public async Task The_served_key_matches_the_certificate_which_chains_to_the_served_roots_and_names_the_callers_spiffe_id()
    {
        string output = gateway.Scratch("identity");

        SdsClientRun run = await NodeSdsClient.RunAsync("stream", gateway.Socket, ["--names", "default,ROOTCA", "--out", output], TimeSpan.FromSeconds(20));

        Assert.True(run.Succeeded, run.ToString());
        JsonElement certificate = run.Served("default")[0];
        string chain = certificate.GetProperty("chain_file").GetString()!;
        string key = certificate.GetProperty("key_file").GetString()!;
        ProcessResult certificateKey = await OpenSslAsync(["x509", "-in", chain, "-noout", "-pubkey"]);
        ProcessResult servedKey = await OpenSslAsync(["pkey", "-in", key, "-pubout"]);
        ProcessResult san = await OpenSslAsync(["x509", "-in", chain, "-noout", "-ext", "subjectAltName"]);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key));
        Assert.True(certificateKey.ExitCode == 0 && servedKey.ExitCode == 0, certificateKey.Combined + servedKey.Combined);
        Assert.Equal(certificateKey.StandardOutput.Trim(), servedKey.StandardOutput.Trim());
        Assert.Contains("URI:" + WorkloadId, san.StandardOutput);
        Assert.Equal([WorkloadId], certificate.GetProperty("uri_sans").EnumerateArray().Select(u => u.GetString()));
        await AssertVerifiesAsync(certificate, run.Served("ROOTCA")[0]);
    }

    [Fact]
    public async Task A_nacked_response_is_logged_and_the_stream_stays_open_for_the_next_push()
    {
        SdsClientRun run = await NodeSdsClient.RunAsync("nack-then-ack", gateway.Socket, ["--names", "default"], TimeSpan.FromSeconds(30));

        Assert.True(run.Succeeded, run.ToString() + "\ntlsgw:\n" + gateway.Up.Output);
        JsonElement nack = Assert.Single(run.Named("nack"));
        IReadOnlyList<JsonElement> responses = run.Named("response");
        Assert.Equal(2, responses.Count);
        Assert.Equal(nack.GetProperty("rejected_version").GetString(), responses[0].GetProperty("version_info").GetString());
        Assert.NotEqual(responses[0].GetProperty("version_info").GetString(), responses[1].GetProperty("version_info").GetString());
        Assert.NotEqual(responses[0].GetProperty("resources")[0].GetProperty("serial").GetString(),
            responses[1].GetProperty("resources")[0].GetProperty("serial").GetString());
        Assert.Equal(responses[1].GetProperty("nonce").GetString(), Assert.Single(run.Named("ack")).GetProperty("response_nonce").GetString());
        await gateway.Up.WaitForOutputAsync("SDS NACK", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_unary_fetch_returns_the_certificate_and_the_roots()
    {
        string output = gateway.Scratch("fetch");

        SdsClientRun run = await NodeSdsClient.RunAsync("fetch", gateway.Socket, ["--names", "default,ROOTCA", "--out", output], TimeSpan.FromSeconds(20));

        Assert.True(run.Succeeded, run.ToString());
        JsonElement response = Assert.Single(run.Named("response"));
        Assert.False(string.IsNullOrEmpty(response.GetProperty("version_info").GetString()), run.ToString());
        JsonElement certificate = Assert.Single(run.Served("default"));
        Assert.True(certificate.GetProperty("key_matches").GetBoolean(), run.ToString());
        await AssertVerifiesAsync(certificate, Assert.Single(run.Served("ROOTCA")));
    }

    [Fact]
    public async Task A_delta_stream_gets_both_resources_with_versions_and_then_the_rotation()
    {
        string output = gateway.Scratch("delta");

        SdsClientRun run = await NodeSdsClient.RunAsync("delta", gateway.Socket,
            ["--names", "default,ROOTCA", "--rotations", "1", "--out", output], TimeSpan.FromSeconds(30));

        Assert.True(run.Succeeded, run.ToString());
        IReadOnlyList<JsonElement> certificates = run.Served("default");
        Assert.True(certificates.Count >= 2, run.ToString());
        Assert.All(run.Named("response").SelectMany(r => r.GetProperty("resources").EnumerateArray()),
            r => Assert.False(string.IsNullOrEmpty(r.GetProperty("version").GetString()), run.ToString()));
        Assert.NotEqual(certificates[0].GetProperty("version").GetString(), certificates[^1].GetProperty("version").GetString());
        Assert.NotEqual(certificates[0].GetProperty("serial").GetString(), certificates[^1].GetProperty("serial").GetString());
        Assert.Equal(run.Named("response").Count, run.Named("ack").Count);
        await AssertVerifiesAsync(certificates[^1], run.Served("ROOTCA")[^1]);
    }

    [Fact]
    public async Task Another_user_in_the_sockets_group_is_denied_on_every_rpc()
    {
        ProcessResult stat = await ProcessRunner.RunAsync("stat", ["-c", "%g", gateway.Socket]);
        int group = int.Parse(stat.StandardOutput.Trim(), CultureInfo.InvariantCulture);

        SdsClientRun run = await NodeSdsClient.RunAsync("denied", gateway.Socket, ["--names", "default,ROOTCA"], TimeSpan.FromSeconds(20),
            runAs: (65534, group));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            File.GetUnixFileMode(gateway.Socket));
        Assert.True(run.Succeeded, run.ToString());
        IReadOnlyList<JsonElement> statuses = run.Named("status");
        Assert.Equal(["stream", "fetch", "delta"], statuses.Select(s => s.GetProperty("rpc").GetString()));
        Assert.All(statuses, s => Assert.Equal("PERMISSION_DENIED", s.GetProperty("code_name").GetString()));
        Assert.Empty(run.Named("response"));
    }

    /// <summary>`openssl verify -CAfile ROOTS -untrusted CHAIN CHAIN`: the leaf, through the served intermediates, to a served root.</summary>
    private static async Task AssertVerifiesAsync(JsonElement certificate, JsonElement roots)
    {
        string chain = certificate.GetProperty("chain_file").GetString()!;
        ProcessResult verify = await OpenSslAsync(["verify", "-CAfile", roots.GetProperty("roots_file").GetString()!, "-untrusted", chain, chain]);
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.Contains($"{chain}: OK", verify.StandardOutput);
    }

    private static Task<ProcessResult> OpenSslAsync(IEnumerable<string> arguments) => ProcessRunner.RunAsync("openssl", arguments);

    /// <summary>
    /// One `tlsgw up` on free ports (the Istio CA API off: not what these tests are about, and its
    /// default port is fixed) in a scratch data directory for the whole class, stopped and
    /// deleted at the end. The directory is 0755 so a client of another uid can reach DIR/sds.sock
    /// and be turned away by the server (SO_PEERCRED) rather than by the file system.
    /// </summary>
    public sealed class Gateway : IAsyncLifetime
    {
        private TlsgwProcess? _up;

        public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "tlsgw-sds-" + Guid.NewGuid().ToString("N"));

        public string Socket => Path.Combine(DataDirectory, "sds.sock");

        public TlsgwProcess Up => _up ?? throw new InvalidOperationException("tlsgw up has not started");

        /// <summary>A fresh directory for one test's PEM files, outside the data directory.</summary>
        public string Scratch(string name)
        {
            string path = Path.Combine(DataDirectory + "-out", name);
            System.IO.Directory.CreateDirectory(path);
            return path;
        }

        public async Task InitializeAsync()
        {
            System.IO.Directory.CreateDirectory(DataDirectory);
            int edge = FreePort.Next();
            _up = TlsgwProcess.Start(
            [
                "up", "--data", DataDirectory, "--listen", $"127.0.0.1:{edge}", "--upstream-listen", $"127.0.0.1:{FreePort.Next()}",
                "--admin", $"127.0.0.1:{FreePort.Next()}", "--ca-grpc", "off", "--workload-ttl", "20s",
            ]);
            await _up.WaitForPortAsync(edge, TimeSpan.FromSeconds(60));
            await WaitForSocketAsync(TimeSpan.FromSeconds(30));
            File.SetUnixFileMode(DataDirectory, (UnixFileMode)0b111_101_101);
        }

        private async Task WaitForSocketAsync(TimeSpan within)
        {
            DateTime deadline = DateTime.UtcNow + within;
            while (true)
            {
                using var probe = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !Up.HasExited)
                {
                    await Task.Delay(100);
                }
                catch (SocketException e)
                {
                    throw new TimeoutException($"nothing accepts on {Socket} ({e.SocketErrorCode}):\n{Up.Output}");
                }
            }
        }

        public async Task DisposeAsync()
        {
            if (_up is not null)
            {
                try
                {
                    await _up.StopAsync();
                }
                finally
                {
                    await _up.DisposeAsync();
                }
            }

            foreach (string path in new[] { DataDirectory, DataDirectory + "-out" })
            {
                if (System.IO.Directory.Exists(path))
                {
                    TestLogArchive.HarvestSecrets(path);
                    System.IO.Directory.Delete(path, recursive: true);
                }
            }
        }
    }
}
