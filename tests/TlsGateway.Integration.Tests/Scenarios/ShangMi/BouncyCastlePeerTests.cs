using System.Diagnostics;
using System.Text;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// Self-checks of the RFC 8998 peer that the ShangMi engine's interop tests drive: Bouncy Castle Java 1.72
/// (tests/peers/bc-tls, built at test time against Debian's jars) talking to itself on TLS_SM4_GCM_SM3 and
/// TLS_SM4_CCM_SM3, and to OpenSSL on TLS_AES_128_GCM_SHA256 so that the harness is seen to speak ordinary
/// TLS 1.3 too. Every assertion reads the peers' own "HANDSHAKE ok ..." lines (suite, group, resumed).
/// </summary>
public sealed class BouncyCastlePeerTests(BouncyCastlePeerTests.PeerFixture peer) : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromSeconds(45);

    public static TheoryData<string, string> ShangMiSuites => new() { { "gcm", "0x00c6" }, { "ccm", "0x00c7" } };

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_client_and_a_bc_server_agree_on_the_shangmi_suite_with_curve_sm2_and_sm2sig_sm3(string suite, string code)
    {
        (ProcessResult client, ProcessResult server) = await peer.RunBcPairAsync(
            ["--suite", suite, .. peer.Sm2Server],
            ["--suite", suite, "--trust", peer.Pki("sm2-root.pem")]);

        foreach ((string role, ProcessResult result) in new[] { ("client", client), ("server", server) })
        {
            Dictionary<string, string> handshake = Handshake(result, role, connection: 1);
            Assert.Equal(code, handshake["suite"]);
            Assert.Equal("41", handshake["group"]);
            Assert.Equal("false", handshake["resumed"]);
        }

        Assert.Equal("0x0708", Handshake(client, "client", 1)["peer-sigalg"]);
        Assert.Equal("O=tlsgw-test,CN=localhost", Handshake(client, "client", 1)["peer"]);
        Assert.Contains("ECHO ok role=client connection=1", client.StandardOutput);
    }

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_server_that_requires_a_client_certificate_accepts_the_bc_clients_sm2_certificate(string suite, string code)
    {
        (ProcessResult client, ProcessResult server) = await peer.RunBcPairAsync(
            ["--suite", suite, "--client-auth", "require", "--trust", peer.Pki("sm2-root.pem"), .. peer.Sm2Server],
            ["--suite", suite, "--trust", peer.Pki("sm2-root.pem"), "--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key")]);

        Dictionary<string, string> seen = Handshake(server, "server", connection: 1);
        Assert.Equal(code, seen["suite"]);
        Assert.Equal("0x0708", seen["peer-sigalg"]);
        Assert.Equal("spiffe://tlsgw.test/bc-peer", seen["peer-uri"]);
        Assert.Equal(0, client.ExitCode);
    }

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_client_resumes_with_the_ticket_the_bc_server_issued_on_its_first_connection(string suite, string code)
    {
        (ProcessResult client, ProcessResult server) = await peer.RunBcPairAsync(
            ["--suite", suite, "--connections", "2", "--client-auth", "request", "--trust", peer.Pki("sm2-root.pem"), .. peer.Sm2Server],
            ["--suite", suite, "--resume", "--trust", peer.Pki("sm2-root.pem"), "--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key")]);

        Assert.Equal("false", Handshake(client, "client", connection: 1)["resumed"]);
        Assert.Contains("TICKETS role=client connection=1 count=1", client.StandardOutput);
        foreach ((string role, ProcessResult result) in new[] { ("client", client), ("server", server) })
        {
            Dictionary<string, string> second = Handshake(result, role, connection: 2);
            Assert.Equal("true", second["resumed"]);
            Assert.Equal(code, second["suite"]);
            Assert.Equal("41", second["group"]); // psk_dhe_ke: a fresh curveSM2 share even when resuming
        }
    }

    [Fact]
    public async Task A_bc_client_that_sends_no_key_share_gets_a_hello_retry_request_for_curve_sm2()
    {
        (ProcessResult client, ProcessResult server) = await peer.RunBcPairAsync(
            ["--suite", "gcm", .. peer.Sm2Server],
            ["--suite", "gcm", "--hrr", "--trust", peer.Pki("sm2-root.pem")]);

        Assert.Equal("true", Handshake(client, "client", 1)["hrr"]);
        Assert.Equal("true", Handshake(server, "server", 1)["hrr"]);
        Assert.Equal("41", Handshake(client, "client", 1)["group"]);
    }

    [Fact]
    public async Task A_bc_server_that_requires_a_client_certificate_refuses_a_client_without_one()
    {
        (ProcessResult client, ProcessResult server) = await peer.RunBcPairAsync(
            ["--suite", "gcm", "--client-auth", "require", "--trust", peer.Pki("sm2-root.pem"), .. peer.Sm2Server],
            ["--suite", "gcm", "--trust", peer.Pki("sm2-root.pem")],
            expectSuccess: false);

        Assert.Equal(1, server.ExitCode);
        Assert.Contains("HANDSHAKE failed role=server connection=1 alert=certificate_required(116) origin=local", server.StandardOutput);
        Assert.DoesNotContain("ECHO ok role=client", client.StandardOutput);
    }

    [Fact]
    public async Task A_bc_client_refuses_an_sm2_server_whose_chain_does_not_reach_its_trust_anchor()
    {
        (ProcessResult client, _) = await peer.RunBcPairAsync(
            ["--suite", "gcm", .. peer.Sm2Server],
            ["--suite", "gcm", "--trust", peer.Pki("ecdsa-root.pem")],
            expectSuccess: false);

        Assert.Equal(1, client.ExitCode);
        Assert.Contains("HANDSHAKE failed role=client connection=1 alert=unknown_ca(48) origin=local", client.StandardOutput);
    }

    [Fact]
    public async Task A_bc_client_handshakes_and_resumes_against_openssl_s_server_on_tls_aes_128_gcm_sha256()
    {
        int port = FreePort.Next();
        await using PeerProcess server = PeerProcess.Start("openssl",
        [
            "s_server", "-accept", $"127.0.0.1:{port}", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
            "-cert", peer.Pki("ecdsa-server.pem"), "-key", peer.Pki("ecdsa-server.key"), "-rev", "-naccept", "2",
        ]);
        await server.WaitForLineAsync("ACCEPT", s_runLimit);

        ProcessResult client = await peer.RunClientAsync(
            ["--port", port.ToString(), "--suite", "aes128gcm", "--trust", peer.Pki("ecdsa-root.pem"), "--echo", "reversed", "--resume"]);

        Assert.True(client.ExitCode == 0, client.Combined);
        Dictionary<string, string> first = Handshake(client, "client", connection: 1);
        Assert.Equal("0x1301", first["suite"]);
        Assert.Equal("29", first["group"]); // x25519, BC's first choice
        Assert.Equal("0x0403", first["peer-sigalg"]);
        Assert.Equal("true", Handshake(client, "client", connection: 2)["resumed"]);
        ProcessResult openssl = await server.WaitForExitAsync(s_runLimit);
        Assert.Contains("1 session cache hits", openssl.StandardOutput);
    }

    [Fact]
    public async Task Openssl_s_client_handshakes_and_resumes_against_a_bc_server_on_tls_aes_128_gcm_sha256()
    {
        int port = FreePort.Next();
        await using PeerProcess server = peer.StartServer(
        [
            "--port", port.ToString(), "--suite", "aes128gcm", "--connections", "2", "--client-auth", "request",
            "--trust", peer.Pki("ecdsa-root.pem"), "--cert", peer.Pki("ecdsa-server.pem"), "--key", peer.Pki("ecdsa-server.key"),
        ]);
        await server.WaitForLineAsync("LISTENING", s_runLimit);
        string session = peer.Pki($"session-{Guid.NewGuid():N}.pem");
        string[] common =
        [
            "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
            "-CAfile", peer.Pki("ecdsa-root.pem"), "-verify_return_error",
        ];

        // -ign_eof keeps s_client reading after its line, until the BC server's echo and close_notify.
        ProcessResult full = await ProcessRunner.RunAsync("openssl",
            [.. common, "-cert", peer.Pki("ecdsa-client.pem"), "-key", peer.Pki("ecdsa-client.key"), "-sess_out", session, "-ign_eof"],
            standardInput: "ping from openssl\n", timeout: s_runLimit);
        ProcessResult resumed = await ProcessRunner.RunAsync("openssl", [.. common, "-sess_in", session, "-ign_eof"],
            standardInput: "ping again\n", timeout: s_runLimit);
        ProcessResult bc = await server.WaitForExitAsync(s_runLimit);

        Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", full.StandardOutput);
        Assert.Contains("ping from openssl", full.StandardOutput);
        Assert.Contains("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", resumed.StandardOutput);
        Assert.True(bc.ExitCode == 0, bc.Combined);
        Assert.Equal("spiffe://tlsgw.test/bc-peer", Handshake(bc, "server", connection: 1)["peer-uri"]);
        Assert.Equal("true", Handshake(bc, "server", connection: 2)["resumed"]);
    }

    /// <summary>The fields of the peer's "HANDSHAKE ok role=ROLE connection=N ..." line.</summary>
    private static Dictionary<string, string> Handshake(ProcessResult result, string role, int connection)
    {
        string prefix = $"HANDSHAKE ok role={role} connection={connection} ";
        string? line = result.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"no '{prefix}' line:\n{result.Combined}");
        return line.Trim().Split(' ').Skip(2).Select(field => field.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }

    /// <summary>Builds the peer once (tests/peers/bc-tls/build.sh) and makes the SM2 and ECDSA test PKI.</summary>
    public sealed class PeerFixture : IAsyncLifetime
    {
        private readonly TempDirectory _pki = new("tlsgw-bc-peer-");

        public static string PeerDirectory => Path.Combine(RepoPaths.Root, "tests", "peers", "bc-tls");

        public string[] Sm2Server => ["--cert", Pki("sm2-server-chain.pem"), "--key", Pki("sm2-server.key")];

        public string Pki(string name) => _pki.PathOf(name);

        public async Task InitializeAsync()
        {
            ProcessResult build = await ProcessRunner.RunAsync(Path.Combine(PeerDirectory, "build.sh"), [], timeout: TimeSpan.FromMinutes(4));
            Assert.True(build.ExitCode == 0, "build.sh failed:\n" + build.Combined);
            ProcessResult pki = await ProcessRunner.RunAsync(Path.Combine(PeerDirectory, "make-sm2-pki.sh"), [_pki.Path], timeout: TimeSpan.FromMinutes(1));
            Assert.True(pki.ExitCode == 0, "make-sm2-pki.sh failed:\n" + pki.Combined);
        }

        public Task DisposeAsync()
        {
            _pki.Dispose();
            return Task.CompletedTask;
        }

        public PeerProcess StartServer(string[] arguments) => PeerProcess.Start(Path.Combine(PeerDirectory, "run-server.sh"), arguments);

        public Task<ProcessResult> RunClientAsync(string[] arguments) =>
            ProcessRunner.RunAsync(Path.Combine(PeerDirectory, "run-client.sh"), arguments, timeout: s_runLimit);

        /// <summary>A BC server on a free loopback port and a BC client against it; both outputs once both have exited.</summary>
        public async Task<(ProcessResult Client, ProcessResult Server)> RunBcPairAsync(string[] serverArguments, string[] clientArguments,
            bool expectSuccess = true)
        {
            int port = FreePort.Next();
            await using PeerProcess server = StartServer(["--port", port.ToString(), "--accept-timeout-ms", "30000", .. serverArguments]);
            await server.WaitForLineAsync("LISTENING", s_runLimit);
            ProcessResult client = await RunClientAsync(["--port", port.ToString(), .. clientArguments]);
            ProcessResult serverResult = await server.WaitForExitAsync(s_runLimit);
            if (expectSuccess)
            {
                Assert.True(client.ExitCode == 0, "client:\n" + client.Combined + "\nserver:\n" + serverResult.Combined);
                Assert.True(serverResult.ExitCode == 0, "server:\n" + serverResult.Combined + "\nclient:\n" + client.Combined);
            }

            return (client, serverResult);
        }
    }

    /// <summary>A server child process whose standard output is read line by line while it runs; killed on dispose.</summary>
    public sealed class PeerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _error = new();
        private readonly Task _reading;
        private readonly Task _readingErrors;

        private PeerProcess(Process process)
        {
            _process = process;
            _reading = PumpAsync(process.StandardOutput, _output);
            _readingErrors = PumpAsync(process.StandardError, _error);
        }

        public static PeerProcess Start(string fileName, IEnumerable<string> arguments)
        {
            var info = new ProcessStartInfo(fileName)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            return new PeerProcess(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}"));
        }

        /// <summary>Waits for a line starting with <paramref name="prefix"/>, failing if the process exits first.</summary>
        public async Task WaitForLineAsync(string prefix, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < limit)
            {
                if (Snapshot(_output).Split('\n').Any(line => line.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    return;
                }

                if (_process.HasExited)
                {
                    break;
                }

                await Task.Delay(50);
            }

            Assert.Fail($"no '{prefix}' line from {_process.StartInfo.FileName}:\n{Snapshot(_output)}\n{Snapshot(_error)}");
        }

        public async Task<ProcessResult> WaitForExitAsync(TimeSpan limit)
        {
            using var cancel = new CancellationTokenSource(limit);
            bool timedOut = false;
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            await Task.WhenAll(_reading, _readingErrors);
            return new ProcessResult(_process.ExitCode, Snapshot(_output), Snapshot(_error), timedOut);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static string Snapshot(StringBuilder text)
        {
            lock (text)
            {
                return text.ToString();
            }
        }

        private static async Task PumpAsync(StreamReader reader, StringBuilder into)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (into)
                {
                    into.Append(line).Append('\n');
                }
            }
        }
    }
}
