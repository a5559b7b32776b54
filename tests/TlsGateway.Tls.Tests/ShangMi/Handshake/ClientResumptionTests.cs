using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed client resuming with the managed server in memory (RFC 8446 §2.2, §4.6.1): the tickets
/// of a full handshake become <see cref="ManagedClientSession"/>s, and a second connection offering one
/// is resumed without certificates on each suite; one the server cannot open falls back to a full handshake.
/// </summary>
public sealed class ClientResumptionTests(ClientTestPki pki) : IClassFixture<ClientTestPki>, IDisposable
{
    private readonly SessionTicketProtector _protector = new([SessionTicketProtector.GenerateKey()]);

    public static TheoryData<ushort> Suites => new() { CipherSuiteId.TlsSm4GcmSm3, CipherSuiteId.TlsSm4CcmSm3, CipherSuiteId.TlsAes128GcmSha256 };

    private ManagedServerOptions ServerOptions => pki.ServerOptions with { Tickets = new SessionTicketOptions(_protector) };

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_second_connection_offering_the_first_ones_ticket_is_resumed_without_certificates(ushort suiteId)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Find(suiteId)!;
        ManagedClientOptions options = pki.ClientOptions with { CipherSuites = [suite], Groups = [suite.IsShangMi ? NamedGroup.CurveSm2 : NamedGroup.Secp256r1] };
        using ManagedClientSession session = FullHandshake(options);
        Assert.Equal(suite, session.Suite);
        Assert.Equal("localhost", session.ServerName);

        using var client = ManagedTlsConnection.CreateClient(options with { Session = session });
        using var server = ManagedTlsConnection.CreateServer(ServerOptions);
        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.True(client.Resumed);
        Assert.True(server.Resumed);
        Assert.Empty(client.PeerCertificates);
        client.Write("resumed"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("resumed"u8.ToArray(), server.TakeReceivedPlaintext());
    }

    [Fact]
    public void A_resumption_after_a_hello_retry_request_recomputes_the_binder_over_the_retry()
    {
        using ManagedClientSession session = FullHandshake(pki.ClientOptions);
        ManagedClientOptions options = pki.ClientOptions with { Groups = [NamedGroup.Secp256r1, NamedGroup.CurveSm2], Session = session };

        using var client = ManagedTlsConnection.CreateClient(options);
        using var server = ManagedTlsConnection.CreateServer(ServerOptions with { EcdsaCredential = null });
        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.True(client.HelloRetried);
        Assert.True(client.Resumed);
        Assert.Equal(NamedGroup.CurveSm2, client.Group);
    }

    [Fact]
    public void The_client_keeps_its_own_copy_of_the_psk_so_the_owner_may_dispose_the_session_once_it_started()
    {
        ManagedClientSession session = FullHandshake(pki.ClientOptions);
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { Session = session });
        session.Dispose();

        using var server = ManagedTlsConnection.CreateServer(ServerOptions);
        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.True(client.Resumed);
    }

    [Fact]
    public void A_ticket_the_server_cannot_open_falls_back_to_a_full_handshake()
    {
        using ManagedClientSession session = FullHandshake(pki.ClientOptions);
        using var otherKeys = new SessionTicketProtector([SessionTicketProtector.GenerateKey()]);

        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { Session = session });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions with { Tickets = new SessionTicketOptions(otherKeys) });
        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.False(client.Resumed);
        Assert.NotEmpty(client.PeerCertificates);
    }

    [Fact]
    public void A_session_for_another_server_name_is_not_offered()
    {
        using ManagedClientSession session = FullHandshake(pki.ClientOptions);

        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { ServerName = "127.0.0.1", Session = session });
        ClientHello hello = ClientHello.Parse(client.TakePendingOutput()[(5 + HandshakeMessage.HeaderLength)..]);

        Assert.Null(hello.PreSharedKey);
        Assert.Equal([PskKeyExchangeMode.PskDheKe], hello.PskKeyExchangeModes);
    }

    public void Dispose() => _protector.Dispose();

    private ManagedClientSession FullHandshake(ManagedClientOptions options)
    {
        using var client = ManagedTlsConnection.CreateClient(options);
        using var server = ManagedTlsConnection.CreateServer(ServerOptions);
        InMemoryPump.Run(client, server);
        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.False(client.Resumed);
        Assert.NotEmpty(client.ResumableSessions);
        return client.TakeSession()!;
    }
}
