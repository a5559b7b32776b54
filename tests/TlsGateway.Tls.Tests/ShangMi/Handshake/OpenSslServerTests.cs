using System.Diagnostics;
using System.Text;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed client against <c>openssl s_server -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256</c> with the
/// ECDSA P-256 certificate of make-sm2-pki.sh, on loopback: a full handshake with its line echoed
/// reversed (<c>-rev</c>), resumption with a ticket s_server issued, a HelloRetryRequest when the client's
/// first share is curveSM2 (which OpenSSL does not speak in TLS), and a client certificate (<c>-Verify 1</c>).
/// </summary>
public sealed class OpenSslServerTests(ClientTestPki pki) : IClassFixture<ClientTestPki>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    private ManagedClientOptions Options => pki.ClientOptions with
    {
        CipherSuites = [Tls13CipherSuite.Aes128GcmSha256],
        Groups = [NamedGroup.Secp256r1],
    };

    [Fact]
    public async Task The_client_completes_a_handshake_with_openssl_s_server_and_gets_its_line_echoed()
    {
        await using OpenSslServer server = await OpenSslServer.StartAsync(pki, []);
        (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(server.Port, Options, "hello openssl", "lssnepo olleh", s_limit);
        using (connection)
        {
            Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message + "\n" + server.Output);
            Assert.Contains("lssnepo olleh", received);
            Assert.Equal(NamedGroup.Secp256r1, connection.Group);
            Assert.Equal(SignatureScheme.EcdsaSecp256r1Sha256, connection.PeerSignatureScheme);
            Assert.Null(connection.Failure);
        }
    }

    [Fact]
    public async Task A_second_connection_offering_the_ticket_of_the_first_is_resumed_by_openssl_s_server()
    {
        await using OpenSslServer server = await OpenSslServer.StartAsync(pki, ["-naccept", "2"]);
        (ManagedTlsConnection first, _) = await LoopbackTlsClient.RunAsync(server.Port, Options, "first", "tsrif", s_limit);
        using ManagedClientSession? session = first.TakeSession();
        first.Dispose();
        Assert.NotNull(session);
        Assert.Equal("localhost", session.ServerName);

        (ManagedTlsConnection second, string received) = await LoopbackTlsClient.RunAsync(server.Port, Options with { Session = session }, "second", "dnoces", s_limit);
        using (second)
        {
            Assert.True(second.IsHandshakeComplete, second.Failure?.Message + "\n" + server.Output);
            Assert.True(second.Resumed);
            Assert.Empty(second.PeerCertificates);
            Assert.Contains("dnoces", received);
        }

        Assert.Contains("1 session cache hits", await server.WaitForExitAsync());
    }

    [Fact]
    public async Task A_client_whose_first_share_is_curve_sm2_is_retried_to_secp256r1_by_openssl_s_server()
    {
        await using OpenSslServer server = await OpenSslServer.StartAsync(pki, ["-groups", "P-256"]);
        ManagedClientOptions options = pki.ClientOptions with { Groups = [NamedGroup.CurveSm2, NamedGroup.Secp256r1] };
        (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(server.Port, options, "retry", "yrter", s_limit);
        using (connection)
        {
            Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message + "\n" + server.Output);
            Assert.True(connection.HelloRetried);
            Assert.Equal(NamedGroup.Secp256r1, connection.Group);
            Assert.Equal(Tls13CipherSuite.Aes128GcmSha256, connection.CipherSuite);
            Assert.Contains("yrter", received);
        }
    }

    [Fact]
    public async Task Openssl_s_server_that_requires_a_client_certificate_accepts_the_clients_ecdsa_certificate()
    {
        await using OpenSslServer server = await OpenSslServer.StartAsync(pki,
            ["-Verify", "1", "-CAfile", pki.PathOf("ecdsa-root.pem"), "-verify_return_error", "-naccept", "1"]);
        (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(server.Port,
            Options with { ClientCredential = pki.EcdsaClientCredential }, "with a certificate", "etacifitrec a htiw", s_limit);
        using (connection)
        {
            Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message + "\n" + server.Output);
            Assert.Contains("etacifitrec a htiw", received);
        }

        // s_server's standard output is a pipe, so fully buffered: read it once s_server has exited.
        string output = await server.WaitForExitAsync();
        Assert.Contains("Peer certificate: O = tlsgw-test, CN = bc-peer-client", output);
        Assert.Contains("Verification: OK", output);
    }

    /// <summary>An <c>openssl s_server</c> on a free loopback port; killed on dispose.</summary>
    private sealed class OpenSslServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private OpenSslServer(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Port { get; private set; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<OpenSslServer> StartAsync(ClientTestPki pki, string[] extra)
        {
            var info = new ProcessStartInfo("openssl")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in (string[])
            [
                "s_server", "-accept", "127.0.0.1:0", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256",
                "-cert", pki.PathOf("ecdsa-server.pem"), "-key", pki.PathOf("ecdsa-server.key"), "-rev", .. extra,
            ])
            {
                info.ArgumentList.Add(argument);
            }

            var server = new OpenSslServer(Process.Start(info)!);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < s_limit)
            {
                string? line = server.Output.Split('\n').FirstOrDefault(l => l.StartsWith("ACCEPT 127.0.0.1:", StringComparison.Ordinal));
                if (line is not null)
                {
                    server.Port = int.Parse(line["ACCEPT 127.0.0.1:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    return server;
                }

                if (server._process.HasExited)
                {
                    break;
                }

                await Task.Delay(50);
            }

            string output = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException("openssl s_server did not start:\n" + output);
        }

        /// <summary>Waits (bounded) for s_server to exit after its -naccept connections and returns all it printed.</summary>
        public async Task<string> WaitForExitAsync()
        {
            using var cancel = new CancellationTokenSource(s_limit);
            await _process.WaitForExitAsync(cancel.Token);
            return Output;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cancel = new CancellationTokenSource(s_limit);
                await _process.WaitForExitAsync(cancel.Token);
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        }
    }
}
