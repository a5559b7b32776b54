using System.Security.Cryptography;
using TlsGateway.Crypto.ShangMi;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Handshake;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// The managed TLS 1.3 server (<see cref="ManagedTlsConnection"/>) against Bouncy Castle Java's RFC 8998
/// client (tests/peers/bc-tls): TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3 over curveSM2 with sm2sig_sm3, the
/// SM2 chain from make-sm2-pki.sh, with and without a client certificate, with a HelloRetryRequest, and
/// resuming with the server's session ticket (BC's client offers the first connection's ticket).
/// Every assertion reads the client's own "HANDSHAKE ok ..." and "ECHO ok ..." lines.
/// </summary>
public sealed class ManagedServerBouncyCastleTests(BouncyCastlePeerTests.PeerFixture peer)
    : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(45);

    public static TheoryData<string, string> ShangMiSuites => new() { { "gcm", "0x00c6" }, { "ccm", "0x00c7" } };

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_client_completes_an_rfc_8998_handshake_with_the_managed_server_and_gets_its_line_echoed(string suite, string code)
    {
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key));
        ProcessResult client = await peer.RunClientAsync(["--port", server.Port.ToString(), "--suite", suite, "--trust", peer.Pki("sm2-root.pem")]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.True(client.ExitCode == 0, client.Combined + "\nserver failure: " + connection.Failure?.Message);
        Dictionary<string, string> handshake = Handshake(client);
        Assert.Equal(code, handshake["suite"]);
        Assert.Equal("41", handshake["group"]);
        Assert.Equal("0x0708", handshake["peer-sigalg"]);
        Assert.Equal("O=tlsgw-test,CN=localhost", handshake["peer"]);
        Assert.Contains("ECHO ok role=client connection=1", client.StandardOutput);
        Assert.Null(connection.Failure);
        Assert.Equal(NamedGroup.CurveSm2, connection.Group);
    }

    [Theory]
    [MemberData(nameof(ShangMiSuites))]
    public async Task A_bc_client_with_an_sm2_client_certificate_proves_its_key_to_the_managed_server(string suite, string code)
    {
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key) with { ClientCertificates = ClientCertificateMode.Required });
        ProcessResult client = await peer.RunClientAsync(
        [
            "--port", server.Port.ToString(), "--suite", suite, "--trust", peer.Pki("sm2-root.pem"),
            "--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key"),
        ]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.True(client.ExitCode == 0, client.Combined + "\nserver failure: " + connection.Failure?.Message);
        Assert.Equal(code, Handshake(client)["suite"]);
        Assert.Contains("ECHO ok role=client connection=1", client.StandardOutput);
        Assert.Equal(SignatureScheme.Sm2SigSm3, connection.PeerSignatureScheme);
        Assert.Contains("CN=bc-peer-client", connection.PeerCertificate?.Subject);
    }

    [Fact]
    public async Task A_bc_client_whose_chain_leads_to_the_trusted_sm2_root_is_accepted()
    {
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key) with
        {
            ClientCertificates = ClientCertificateMode.Required,
            ClientTrustAnchors = ReadChain(peer.Pki("sm2-root.pem")),
        });
        ProcessResult client = await peer.RunClientAsync(
        [
            "--port", server.Port.ToString(), "--suite", "gcm", "--trust", peer.Pki("sm2-root.pem"),
            "--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key"),
        ]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.True(client.ExitCode == 0, client.Combined + "\nserver failure: " + connection.Failure?.Message);
        Assert.Contains("ECHO ok role=client connection=1", client.StandardOutput);
        Assert.Null(connection.Failure);
        Assert.Contains("CN=bc-peer-client", connection.PeerCertificate?.Subject);
    }

    [Fact]
    public async Task A_bc_client_whose_chain_leads_to_a_root_of_another_pki_is_refused_with_unknown_ca()
    {
        // A second run of make-sm2-pki.sh: the same names, different keys (RFC 5280 §6.1 needs the key).
        using var other = new TempDirectory("tlsgw-other-pki-");
        ProcessResult made = await ProcessRunner.RunAsync(
            Path.Combine(BouncyCastlePeerTests.PeerFixture.PeerDirectory, "make-sm2-pki.sh"), [other.Path], timeout: TimeSpan.FromMinutes(1));
        Assert.True(made.ExitCode == 0, made.Combined);
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key) with
        {
            ClientCertificates = ClientCertificateMode.Required,
            ClientTrustAnchors = ReadChain(other.PathOf("sm2-root.pem")),
        });
        ProcessResult client = await peer.RunClientAsync(
        [
            "--port", server.Port.ToString(), "--suite", "gcm", "--trust", peer.Pki("sm2-root.pem"),
            "--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key"),
        ]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.True(connection.Failure?.Alert == AlertDescription.UnknownCa, connection.Failure?.Message + "\n" + client.Combined);
        Assert.DoesNotContain("ECHO ok", client.StandardOutput);
    }

    [Fact]
    public async Task A_bc_client_without_a_certificate_is_refused_with_certificate_required_when_one_is_required()
    {
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key) with { ClientCertificates = ClientCertificateMode.Required });
        ProcessResult client = await peer.RunClientAsync(["--port", server.Port.ToString(), "--suite", "gcm", "--trust", peer.Pki("sm2-root.pem")]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.Equal(AlertDescription.CertificateRequired, connection.Failure?.Alert);
        // In TLS 1.3 the client's handshake ends when it sends Finished (RFC 8446 §4.4.4), so the
        // refusal reaches it as the alert or, if it is already writing, as the connection closing.
        Assert.True(client.StandardOutput.Contains("certificate_required(116)", StringComparison.Ordinal)
            || client.StandardOutput.Contains("ECHO failed", StringComparison.Ordinal), client.Combined);
        Assert.DoesNotContain("ECHO ok", client.StandardOutput);
    }

    [Fact]
    public async Task A_bc_client_that_sends_no_key_share_is_sent_a_hello_retry_request_for_curve_sm2()
    {
        using Sm2Key key = LoadServerKey();
        await using var server = new LoopbackTlsServer(Options(key));
        ProcessResult client = await peer.RunClientAsync(["--port", server.Port.ToString(), "--suite", "gcm", "--hrr", "--trust", peer.Pki("sm2-root.pem")]);
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.True(client.ExitCode == 0, client.Combined + "\nserver failure: " + connection.Failure?.Message);
        Assert.Equal("true", Handshake(client)["hrr"]);
        Assert.Equal("41", Handshake(client)["group"]);
        Assert.True(connection.HelloRetried);
    }

    public static TheoryData<string, string, bool> ResumptionCases => new()
    {
        { "gcm", "0x00c6", false }, { "ccm", "0x00c7", false }, { "gcm", "0x00c6", true }, { "ccm", "0x00c7", true },
    };

    [Theory]
    [MemberData(nameof(ResumptionCases))]
    public async Task A_bc_client_resumes_with_the_managed_servers_ticket_on_its_second_connection(string suite, string code, bool clientCertificate)
    {
        using Sm2Key key = LoadServerKey();
        using var protector = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);
        ManagedServerOptions options = Options(key) with
        {
            Tickets = new SessionTicketOptions(protector),
            ClientCertificates = clientCertificate ? ClientCertificateMode.Required : ClientCertificateMode.Off,
            ClientTrustAnchors = clientCertificate ? ReadChain(peer.Pki("sm2-root.pem")) : [],
        };
        await using var server = new LoopbackTlsServer(options, connections: 2);
        List<string> arguments = ["--port", server.Port.ToString(), "--suite", suite, "--trust", peer.Pki("sm2-root.pem"), "--resume"];
        if (clientCertificate)
        {
            arguments.AddRange(["--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key")]);
        }

        ProcessResult client = await peer.RunClientAsync([.. arguments]);
        List<ManagedTlsConnection> connections = await server.WaitAsync(s_limit);

        Assert.True(client.ExitCode == 0, client.Combined + "\nserver failures: " + string.Join("; ", connections.Select(c => c.Failure?.Message)));
        Assert.Equal("false", Handshake(client, connection: 1)["resumed"]);
        Dictionary<string, string> resumed = Handshake(client, connection: 2);
        Assert.Equal("true", resumed["resumed"]);
        Assert.Equal(code, resumed["suite"]);
        Assert.Equal("41", resumed["group"]);
        Assert.Contains("ECHO ok role=client connection=2", client.StandardOutput);
        Assert.Equal(2, connections.Count);
        Assert.All(connections, connection => Assert.Null(connection.Failure));
        Assert.False(connections[0].Resumed);
        Assert.True(connections[1].Resumed);
        if (clientCertificate)
        {
            // The resumed connection knows the client from the ticket (no CertificateVerify this time).
            Assert.Contains("CN=bc-peer-client", connections[1].PeerCertificate?.Subject);
            Assert.Null(connections[1].PeerSignatureScheme);
        }
        else
        {
            Assert.Null(connections[1].PeerCertificate);
        }
    }

    private ManagedServerOptions Options(Sm2Key key) => new()
    {
        ShangMiCredential = new Sm2ServerCredential(ReadChain(peer.Pki("sm2-server-chain.pem")), key),
    };

    private Sm2Key LoadServerKey() => Sm2Key.ImportFromPem(File.ReadAllText(peer.Pki("sm2-server.key")));

    private static List<byte[]> ReadChain(string path)
    {
        var chain = new List<byte[]>();
        ReadOnlySpan<char> text = File.ReadAllText(path);
        while (PemEncoding.TryFind(text, out PemFields fields))
        {
            chain.Add(Convert.FromBase64String(text[fields.Base64Data].ToString()));
            text = text[fields.Location.End..];
        }

        return chain;
    }

    private static Dictionary<string, string> Handshake(ProcessResult result, int connection = 1)
    {
        string prefix = $"HANDSHAKE ok role=client connection={connection} ";
        string? line = result.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"no '{prefix}' line:\n{result.Combined}");
        return line.Trim().Split(' ').Skip(2).Select(field => field.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }
}
