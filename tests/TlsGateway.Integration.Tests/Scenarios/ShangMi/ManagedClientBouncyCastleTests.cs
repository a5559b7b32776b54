using TlsGateway.Crypto.ShangMi;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Handshake;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// The managed TLS 1.3 client (<see cref="ManagedTlsConnection.CreateClient"/>) against Bouncy Castle Java's
/// RFC 8998 server (tests/peers/bc-tls): TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3 over curveSM2 with sm2sig_sm3
/// and the SM2 chain of make-sm2-pki.sh, with and without an SM2 client certificate, and resuming with the
/// ticket the server issued on the first connection. The BC server echoes one line; its own
/// "HANDSHAKE ok role=server ..." lines confirm what it saw.
/// </summary>
public sealed class ManagedClientBouncyCastleTests(BouncyCastlePeerTests.PeerFixture peer)
    : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(45);

    public static TheoryData<string, ushort> ShangMiSuites => new() { { "gcm", CipherSuiteId.TlsSm4GcmSm3 }, { "ccm", CipherSuiteId.TlsSm4CcmSm3 } };

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task The_client_completes_an_rfc_8998_handshake_with_a_bc_server_and_gets_its_line_echoed(string suite, ushort id)
    {
        (int port, BouncyCastlePeerTests.PeerProcess server) = await StartServerAsync(suite, []);
        await using (server)
        {
            (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(port, Options, "hello bc", "hello bc", s_limit);
            using (connection)
            {
                Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message);
                Assert.Contains("hello bc", received);
                Assert.Equal(id, connection.CipherSuite?.Id);
                Assert.Equal(NamedGroup.CurveSm2, connection.Group);
                Assert.Equal(SignatureScheme.Sm2SigSm3, connection.PeerSignatureScheme);
                Assert.Contains("CN=localhost", connection.PeerCertificate?.Subject);
            }

            ProcessResult result = await server.WaitForExitAsync(s_limit);
            Assert.True(result.ExitCode == 0, result.Combined);
            Assert.Contains("HANDSHAKE ok role=server connection=1", result.StandardOutput);
        }
    }

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_server_that_requires_a_client_certificate_accepts_the_clients_sm2_certificate(string suite, ushort id)
    {
        using Sm2Key key = Sm2Key.ImportFromPem(File.ReadAllText(peer.Pki("sm2-client.key")));
        (int port, BouncyCastlePeerTests.PeerProcess server) = await StartServerAsync(suite, ["--client-auth", "require", "--trust", peer.Pki("sm2-root.pem")]);
        await using (server)
        {
            ManagedClientOptions options = Options with { ClientCredential = new Sm2ServerCredential(ReadChain("sm2-client-chain.pem"), key) };
            (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(port, options, "with a certificate", "with a certificate", s_limit);
            using (connection)
            {
                Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message);
                Assert.Equal(id, connection.CipherSuite?.Id);
                Assert.Contains("with a certificate", received);
            }

            ProcessResult result = await server.WaitForExitAsync(s_limit);
            Assert.True(result.ExitCode == 0, result.Combined);
            string line = result.StandardOutput.Split('\n').Single(l => l.StartsWith("HANDSHAKE ok role=server connection=1", StringComparison.Ordinal));
            Assert.Contains("peer-sigalg=0x0708", line);
            Assert.Contains("peer-uri=spiffe://tlsgw.test/bc-peer", line);
        }
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused_by_a_bc_server_that_requires_one()
    {
        (int port, BouncyCastlePeerTests.PeerProcess server) = await StartServerAsync("gcm", ["--client-auth", "require", "--trust", peer.Pki("sm2-root.pem")]);
        await using (server)
        {
            (ManagedTlsConnection connection, string received) = await LoopbackTlsClient.RunAsync(port, Options, "no certificate", "no certificate", s_limit);
            using (connection)
            {
                Assert.DoesNotContain("no certificate", received);
                Assert.Equal(AlertDescription.CertificateRequired, connection.ReceivedAlert);
            }

            ProcessResult result = await server.WaitForExitAsync(s_limit);
            Assert.Contains("HANDSHAKE failed role=server connection=1 alert=certificate_required(116) origin=local", result.StandardOutput);
        }
    }

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_second_connection_offering_the_bc_servers_ticket_is_resumed(string suite, ushort id)
    {
        (int port, BouncyCastlePeerTests.PeerProcess server) = await StartServerAsync(suite, ["--connections", "2"]);
        await using (server)
        {
            (ManagedTlsConnection first, _) = await LoopbackTlsClient.RunAsync(port, Options, "first", "first", s_limit);
            using ManagedClientSession? session = first.TakeSession();
            Assert.True(session is not null, first.Failure?.Message ?? "no ticket from the BC server");
            first.Dispose();
            Assert.Equal(id, session.Suite.Id);

            (ManagedTlsConnection second, string received) = await LoopbackTlsClient.RunAsync(port, Options with { Session = session }, "second", "second", s_limit);
            using (second)
            {
                Assert.True(second.IsHandshakeComplete, second.Failure?.Message);
                Assert.True(second.Resumed);
                Assert.Equal(NamedGroup.CurveSm2, second.Group); // psk_dhe_ke: a fresh share even when resuming
                Assert.Contains("second", received);
            }

            ProcessResult result = await server.WaitForExitAsync(s_limit);
            Assert.True(result.ExitCode == 0, result.Combined);
            Assert.Contains("resumed=true", result.StandardOutput.Split('\n').Single(l => l.StartsWith("HANDSHAKE ok role=server connection=2", StringComparison.Ordinal)));
        }
    }

    private ManagedClientOptions Options => new()
    {
        ServerName = "localhost",
        TrustAnchors = ReadChain("sm2-root.pem"),
        CipherSuites = [Tls13CipherSuite.Sm4GcmSm3, Tls13CipherSuite.Sm4CcmSm3],
        Groups = [NamedGroup.CurveSm2],
    };

    private async Task<(int Port, BouncyCastlePeerTests.PeerProcess Server)> StartServerAsync(string suite, string[] extra)
    {
        int port = FreePort.Next();
        BouncyCastlePeerTests.PeerProcess server = peer.StartServer(
            ["--port", port.ToString(), "--suite", suite, "--accept-timeout-ms", "30000", .. peer.Sm2Server, .. extra]);
        await server.WaitForLineAsync("LISTENING", s_limit);
        return (port, server);
    }

    private List<byte[]> ReadChain(string name) => TestPkiFiles.ReadPem(peer.Pki(name));
}
