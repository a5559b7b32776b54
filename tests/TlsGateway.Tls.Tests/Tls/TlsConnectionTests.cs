using System.Security.Cryptography;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>The engine end to end: real OpenSSL on both sides, ciphertext carried in memory.</summary>
public sealed class TlsConnectionTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;
    private readonly CertificateKeyPair _clientCertificate;

    public TlsConnectionTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
        _clientCertificate = pki.LoadClient();
    }

    public void Dispose()
    {
        _serverCertificate.Dispose();
        _clientCertificate.Dispose();
    }

    private ServerNameEntry MutualTlsEntry(ClientCertificateMode mode, IPeerAuthorizer? authorizer = null) =>
        Entry(_serverCertificate, clientAuth: new ClientAuthOptions(mode, _pki.RootPem, authorizer));

    [Fact]
    public void The_handshake_completes_with_TLS_1_3_by_default()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.True(pipe.Server.IsServer);
        Assert.False(pipe.Client.IsServer);
        foreach (TlsConnection side in new[] { pipe.Client, pipe.Server })
        {
            Assert.NotNull(side.Facts);
            Assert.Equal(0x0304, side.Facts.Version);
            Assert.StartsWith("TLS_", side.Facts.CipherName);
            Assert.Equal("X25519", side.Facts.GroupName);
            Assert.False(side.Facts.SessionReused);
            Assert.Null(side.Facts.ApplicationProtocol);
            Assert.Null(side.Failure);
        }

        Assert.Equal("localhost", pipe.Server.Facts!.ServerName);
        Assert.Equal(pipe.Client.Facts!.CipherName, pipe.Server.Facts.CipherName);
        Assert.True(pipe.Client.Facts.PeerPresentedCertificate);
        Assert.Equal(0, pipe.Client.Facts.VerifyResult);
        Assert.False(pipe.Server.Facts.PeerPresentedCertificate);
    }

    [Fact]
    public void A_server_capped_at_TLS_1_2_negotiates_TLS_1_2()
    {
        TlsProfile tls12 = TlsProfile.Default with { MaxVersion = TlsVersion.Tls12 };
        using TlsServerContext server = Server(Entry(_serverCertificate, profile: tls12));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Equal(0x0303, pipe.Client.Facts!.Version);
        Assert.Equal(0x0303, pipe.Server.Facts!.Version);
        Assert.Equal("ECDHE-ECDSA-AES128-GCM-SHA256", pipe.Server.Facts.CipherName);
    }

    [Fact]
    public void A_TLS_1_3_only_server_refuses_a_TLS_1_2_only_client_as_a_protocol_version_failure()
    {
        TlsProfile tls13 = TlsProfile.Default with { MinVersion = TlsVersion.Tls13 };
        TlsProfile tls12 = TlsProfile.Default with { MaxVersion = TlsVersion.Tls12 };
        using TlsServerContext server = Server(Entry(_serverCertificate, profile: tls13));
        using TlsClientContext client = Client(_pki.RootPem, profile: tls12);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.ProtocolVersion, pipe.Server.Failure?.Reason);
        Assert.Equal(TlsFailureReason.ProtocolVersion, pipe.Client.Failure?.Reason);
    }

    [Fact]
    public void Application_data_round_trips_in_both_directions()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);
        Assert.True(pipe.Handshake());

        byte[] atServer = pipe.ClientToServer("GET / HTTP/1.1\r\n\r\n"u8);
        byte[] atClient = pipe.ServerToClient("HTTP/1.1 204 No Content\r\n\r\n"u8);

        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(atServer));
        Assert.Equal("HTTP/1.1 204 No Content\r\n\r\n", Encoding.ASCII.GetString(atClient));
    }

    [Theory]
    [InlineData(TlsVersion.Tls12)]
    [InlineData(TlsVersion.Tls13)]
    public void A_payload_larger_than_the_buffers_arrives_whole_and_in_order(TlsVersion version)
    {
        TlsProfile profile = TlsProfile.Default with { MaxVersion = version };
        using TlsServerContext server = Server(Entry(_serverCertificate, profile: profile));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);
        Assert.True(pipe.Handshake());
        byte[] payload = RandomNumberGenerator.GetBytes(300 * 1024 + 7);

        Assert.Equal(payload, pipe.ClientToServer(payload));
        Assert.Equal(payload, pipe.ServerToClient(payload));
    }

    [Fact]
    public void Buffers_smaller_than_a_record_still_carry_the_handshake_and_data()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using var pipe = new InMemoryPipe(client.CreateConnection("localhost"), server.CreateConnection(), bufferSize: 64);
        Assert.True(pipe.Handshake());
        byte[] payload = RandomNumberGenerator.GetBytes(40 * 1024);

        Assert.Equal(payload, pipe.ClientToServer(payload));
        Assert.Equal(payload, pipe.ServerToClient(payload));
    }

    [Fact]
    public void Alpn_picks_the_server_preference_among_what_the_client_offers()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, applicationProtocols: ["h2", "http/1.1"]));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, applicationProtocols: ["http/1.1", "h2"]);

        Assert.True(pipe.Handshake());

        Assert.Equal("h2", pipe.Server.Facts!.ApplicationProtocol);
        Assert.Equal("h2", pipe.Client.Facts!.ApplicationProtocol);
    }

    [Fact]
    public void Alpn_settles_on_the_only_protocol_both_sides_have()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, applicationProtocols: ["h2", "http/1.1"]));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, applicationProtocols: ["spdy/3", "http/1.1"]);

        Assert.True(pipe.Handshake());

        Assert.Equal("http/1.1", pipe.Server.Facts!.ApplicationProtocol);
        Assert.Equal("http/1.1", pipe.Client.Facts!.ApplicationProtocol);
    }

    [Fact]
    public void A_client_that_offers_no_alpn_is_served_without_a_protocol()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, applicationProtocols: ["h2"]));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Null(pipe.Server.Facts!.ApplicationProtocol);
        Assert.Null(pipe.Client.Facts!.ApplicationProtocol);
    }

    [Fact]
    public void A_client_offering_only_unknown_alpn_protocols_is_refused_with_no_application_protocol()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate, applicationProtocols: ["h2", "http/1.1"]));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, applicationProtocols: ["spdy/3"]);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.NoApplicationProtocol, pipe.Server.Failure?.Reason);
        Assert.Equal(TlsFailureReason.NoApplicationProtocol, pipe.Client.Failure?.Reason);
        Assert.False(pipe.Server.IsHandshakeComplete);
    }

    [Fact]
    public void With_mtls_required_a_client_certificate_gives_the_server_the_peer_spiffe_id()
    {
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Required));
        using TlsClientContext client = Client(_pki.RootPem, _clientCertificate);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.NotNull(pipe.Server.Peer);
        Assert.Equal(TestPki.ClientSpiffeId, pipe.Server.Peer.SpiffeId);
        Assert.Equal("example.org", pipe.Server.Peer.TrustDomain);
        Assert.True(pipe.Server.Facts!.PeerPresentedCertificate);
    }

    [Fact]
    public void With_mtls_required_a_client_without_a_certificate_is_refused_with_certificate_required()
    {
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Required));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.CertificateRequired, pipe.Server.Failure?.Reason);
        Assert.Equal(TlsFailureReason.CertificateRequired, pipe.Client.Failure?.Reason);
        Assert.Null(pipe.Server.Peer);
    }

    [Fact]
    public void With_mtls_optional_a_client_without_a_certificate_is_let_in_unauthenticated()
    {
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Optional));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Null(pipe.Server.Peer);
        Assert.False(pipe.Server.Facts!.PeerPresentedCertificate);
    }

    [Fact]
    public void With_mtls_optional_a_client_certificate_is_still_verified_and_read()
    {
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Optional));
        using TlsClientContext client = Client(_pki.RootPem, _clientCertificate);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Equal(TestPki.ClientSpiffeId, pipe.Server.Peer?.SpiffeId);
    }

    [Fact]
    public void A_client_certificate_from_an_untrusted_ca_is_refused_with_unknown_ca()
    {
        using CertificateKeyPair stranger = IssueStrangerClientCertificate();
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Optional));
        using TlsClientContext client = Client(_pki.RootPem, stranger);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.UnknownCa, pipe.Server.Failure?.Reason);
        Assert.Equal(TlsFailureReason.UnknownCa, pipe.Client.Failure?.Reason);
        Assert.Null(pipe.Server.Peer);
    }

    [Fact]
    public void A_client_the_authorizer_refuses_is_denied_and_the_reason_names_it()
    {
        var authorizer = new SpiffeAuthorizer(spiffeIds: ["spiffe://example.org/ns/default/sa/someone-else"]);
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Required, authorizer));
        using TlsClientContext client = Client(_pki.RootPem, _clientCertificate);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.AuthorizationDenied, pipe.Server.Failure?.Reason);
        Assert.Contains(TestPki.ClientSpiffeId, pipe.Server.Failure?.Detail);
        Assert.Null(pipe.Server.Peer);
        // Fail closed with one generic alert: the client learns nothing about the policy.
        Assert.Equal(TlsFailureReason.PeerAlert, pipe.Client.Failure?.Reason);
        Assert.DoesNotContain(TestPki.ClientSpiffeId, pipe.Client.Failure?.Detail);
    }

    [Fact]
    public void A_client_the_authorizer_allows_gets_in()
    {
        var authorizer = new SpiffeAuthorizer(trustDomains: ["example.org"]);
        using TlsServerContext server = Server(MutualTlsEntry(ClientCertificateMode.Required, authorizer));
        using TlsClientContext client = Client(_pki.RootPem, _clientCertificate);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Equal(TestPki.ClientSpiffeId, pipe.Server.Peer?.SpiffeId);
    }

    [Fact]
    public void Shutdown_sends_close_notify_and_the_peer_sees_the_stream_end()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);
        Assert.True(pipe.Handshake());
        byte[] output = new byte[1024];

        int length = pipe.Client.Shutdown(output);
        TlsStepResult step = pipe.Server.Process(output.AsSpan(0, length), new byte[1024], new byte[1024]);

        Assert.True(length > 0);
        Assert.Equal(Interop.NativeStatus.Closed, step.Status);
        Assert.Null(pipe.Server.Failure);
    }

    [Fact]
    public void Fail_records_the_first_failure_only()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsConnection connection = server.CreateConnection();

        connection.Fail(TlsFailure.Timeout(TimeSpan.FromSeconds(10)));
        connection.Fail(TlsFailure.PeerClosed());

        Assert.Equal(TlsFailureReason.Timeout, connection.Failure?.Reason);
        Assert.Equal("handshake did not complete within 10 s", connection.Failure?.Detail);
    }

    [Fact]
    public void Plaintext_http_sent_to_the_server_is_recognised()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsConnection connection = server.CreateConnection();

        TlsStepResult step = connection.Process("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8, new byte[1024], new byte[1024]);

        Assert.Equal(Interop.NativeStatus.Error, step.Status);
        Assert.Equal(TlsFailureReason.PlaintextHttp, connection.Failure?.Reason);
    }

    private CertificateKeyPair IssueStrangerClientCertificate()
    {
        using var strangerRoot = TestCertificates.CreateRoot("Stranger Root");
        using var leaf = TestCertificates.CreateClientLeaf(strangerRoot, "spiffe://stranger.org/x");
        string certificatePath = _pki.Directory.Write($"stranger-{Guid.NewGuid():N}.pem", leaf.ExportCertificatePem());
        string keyPath = _pki.Directory.Write($"stranger-{Guid.NewGuid():N}.key", TestCertificates.PrivateKeyPem(leaf));
        return CertificateKeyPair.Load(certificatePath, new PrivateKeySource(keyPath));
    }
}
