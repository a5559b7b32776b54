using TlsGateway.Crypto.ShangMi;
using TlsGateway.Tests.Shared;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;
using Ticket = TlsGateway.Tls.Tests.ShangMi.Handshake.ResumptionTestClient.Ticket;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// Session tickets and PSK resumption on the managed server (RFC 8446 §2.2, §4.2.11, §4.6.1) with
/// TLS_SM4_GCM_SM3, in memory, against <see cref="ResumptionTestClient"/>: tickets issued after a
/// full handshake resume the next connection without certificates; a ticket the server can no longer
/// use falls back to a full handshake; a bad binder is decrypt_error; mutated offers never throw.
/// </summary>
public sealed class ServerResumptionTests : IDisposable
{
    private static readonly HandshakeType[] s_resumedFlight = [HandshakeType.EncryptedExtensions, HandshakeType.Finished];
    private static readonly HandshakeType[] s_fullFlight =
        [HandshakeType.EncryptedExtensions, HandshakeType.Certificate, HandshakeType.CertificateVerify, HandshakeType.Finished];

    private readonly Sm2Key _key = Sm2Key.Generate();
    private readonly SessionTicketProtector _protector = new([SessionTicketProtector.GenerateKey()]);
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    private ManagedServerOptions Options => new()
    {
        ShangMiCredential = new Sm2ServerCredential([[0x30, 0x00]], _key),
        Tickets = new SessionTicketOptions(_protector) { Clock = _clock, TicketsPerHandshake = 2 },
    };

    [Fact]
    public void Resumption_with_a_ticket_from_a_full_handshake_skips_the_certificates_and_names_the_identity()
    {
        Ticket ticket = FirstTicket();
        using var connection = ManagedTlsConnection.CreateServer(Options);

        ResumptionTestClient.Outcome resumed = ResumptionTestClient.Resume(connection, ticket, ageMilliseconds: 1500);

        Assert.Equal((ushort)0, resumed.SelectedIdentity);
        Assert.Equal(s_resumedFlight, resumed.ServerMessages);
        Assert.True(connection.Resumed);
        Assert.Equal(Tls13CipherSuite.Sm4GcmSm3, connection.CipherSuite);
        Assert.Empty(connection.PeerCertificates);

        // A resumed connection issues fresh tickets too, and they resume in turn.
        Assert.Equal(2, resumed.Tickets.Count);
        using var third = ManagedTlsConnection.CreateServer(Options);
        Assert.Equal((ushort)0, ResumptionTestClient.Resume(third, resumed.Tickets[1]).SelectedIdentity);
    }

    [Fact]
    public void Resumption_tickets_of_one_handshake_have_distinct_nonces_and_age_adds()
    {
        using var connection = ManagedTlsConnection.CreateServer(Options);
        List<Ticket> tickets = ResumptionTestClient.FullHandshake(connection).Tickets;

        Assert.Equal(2, tickets.Count);
        Assert.False(connection.Resumed);
        Assert.NotEqual(tickets[0].Psk, tickets[1].Psk);
        Assert.NotEqual(tickets[0].Identity, tickets[1].Identity);
    }

    [Fact]
    public void Resumption_after_a_hello_retry_request_binds_the_retry_into_the_binder()
    {
        Ticket ticket = FirstTicket();
        using var connection = ManagedTlsConnection.CreateServer(Options);

        ResumptionTestClient.Outcome resumed = ResumptionTestClient.ResumeAfterRetry(connection, ticket);

        Assert.Equal((ushort)0, resumed.SelectedIdentity);
        Assert.Equal(s_resumedFlight, resumed.ServerMessages);
        Assert.True(connection.HelloRetried);
        Assert.True(connection.Resumed);
    }

    [Fact]
    public void Resumption_with_a_ticket_sealed_under_a_key_rotated_out_falls_back_to_a_full_handshake()
    {
        Ticket ticket = FirstTicket();
        _protector.SetKeys([SessionTicketProtector.GenerateKey()]);
        using var connection = ManagedTlsConnection.CreateServer(Options);

        ResumptionTestClient.Outcome outcome = ResumptionTestClient.Resume(connection, ticket);

        Assert.Null(outcome.SelectedIdentity);
        Assert.Equal(s_fullFlight, outcome.ServerMessages);
        Assert.False(connection.Resumed);
    }

    [Fact]
    public void Resumption_with_a_ticket_sealed_under_the_second_key_after_a_rotation_still_succeeds()
    {
        byte[] oldKey = SessionTicketProtector.GenerateKey();
        _protector.SetKeys([oldKey]);
        Ticket ticket = FirstTicket();
        _protector.SetKeys([SessionTicketProtector.GenerateKey(), oldKey]);
        using var connection = ManagedTlsConnection.CreateServer(Options);

        Assert.Equal((ushort)0, ResumptionTestClient.Resume(connection, ticket).SelectedIdentity);
        Assert.True(connection.Resumed);
    }

    [Fact]
    public void Resumption_with_a_tampered_binder_is_a_decrypt_error_alert()
    {
        Ticket ticket = FirstTicket();
        using var connection = ManagedTlsConnection.CreateServer(Options);
        using var share = new Sm2KeyExchange();

        connection.Feed(HandshakeSamples.InRecords(ResumptionTestClient.Bind(ResumptionTestClient.Hello(share, ticket), ticket, tamper: true)));

        // RFC 8446 §4.2.11: a binder that does not validate aborts the handshake; §6.2: decrypt_error.
        Assert.Equal(AlertDescription.DecryptError, connection.Failure?.Alert);
        byte[] output = connection.TakePendingOutput();
        Assert.Equal([21, 3, 3, 0, 2, 2, (byte)AlertDescription.DecryptError], output);
    }

    [Fact]
    public void Resumption_with_a_ticket_older_than_its_lifetime_falls_back_to_a_full_handshake()
    {
        Ticket ticket = FirstTicket();
        _clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        using var connection = ManagedTlsConnection.CreateServer(Options);

        ResumptionTestClient.Outcome outcome = ResumptionTestClient.Resume(connection, ticket, ageMilliseconds: (uint)TimeSpan.FromHours(2).TotalMilliseconds + 1000);

        Assert.Null(outcome.SelectedIdentity);
        Assert.False(connection.Resumed);
    }

    [Fact]
    public void Resumption_with_a_reported_age_far_from_the_servers_falls_back_to_a_full_handshake()
    {
        Ticket ticket = FirstTicket();
        _clock.Advance(TimeSpan.FromMinutes(5));
        using var connection = ManagedTlsConnection.CreateServer(Options);

        // §4.2.11.1: the client says 1 s; by the server's clock the ticket is 5 min old.
        Assert.Null(ResumptionTestClient.Resume(connection, ticket, ageMilliseconds: 1000).SelectedIdentity);
        Assert.False(connection.Resumed);
    }

    [Fact]
    public void Resumption_for_another_server_name_falls_back_to_a_full_handshake()
    {
        Ticket ticket = FirstTicket();
        using var connection = ManagedTlsConnection.CreateServer(Options);

        Assert.Null(ResumptionTestClient.Resume(connection, ticket, serverName: "other.example").SelectedIdentity);
        Assert.False(connection.Resumed);
    }

    [Fact]
    public void Resumption_offered_with_only_psk_ke_falls_back_to_a_full_handshake()
    {
        Ticket ticket = FirstTicket();
        using var connection = ManagedTlsConnection.CreateServer(Options);
        using var share = new Sm2KeyExchange();
        ClientHello hello = ResumptionTestClient.Hello(share, ticket, mode: PskKeyExchangeMode.PskKe);

        connection.Feed(HandshakeSamples.InRecords(ResumptionTestClient.Bind(hello, ticket)));

        // §4.2.9: psk_ke is not offered by this server: a full handshake starts (Certificate follows).
        Assert.Null(connection.Failure);
        int at = 0;
        byte[] serverHello = TestRecords.Next(connection.TakePendingOutput(), ref at)[5..];
        Assert.Null(ServerHello.Parse(serverHello.AsSpan(HandshakeMessage.HeaderLength)).SelectedIdentity);
    }

    [Fact]
    public void Resumption_is_off_without_ticket_options_no_ticket_is_sent_and_an_offer_is_ignored()
    {
        Ticket ticket = FirstTicket();
        ManagedServerOptions withoutTickets = Options with { Tickets = null };
        using var first = ManagedTlsConnection.CreateServer(withoutTickets);
        using var second = ManagedTlsConnection.CreateServer(withoutTickets);

        Assert.Empty(ResumptionTestClient.FullHandshake(first).Tickets);
        ResumptionTestClient.Outcome outcome = ResumptionTestClient.Resume(second, ticket);

        Assert.Null(outcome.SelectedIdentity);
        Assert.Equal(s_fullFlight, outcome.ServerMessages);
        Assert.Empty(outcome.Tickets);
    }

    [Fact]
    public void Resumption_client_hellos_that_are_mutated_end_only_in_alerts_and_never_throw()
    {
        Ticket ticket = FirstTicket();
        using var share = new Sm2KeyExchange();
        byte[] bound = ResumptionTestClient.Bind(ResumptionTestClient.Hello(share, ticket), ticket);
        byte[][] seeds = [HandshakeSamples.InRecords(bound), HandshakeSamples.InRecords(bound, fragment: 90)];
        int resumed = 0;
        int runs = Fuzzer.Run(seeds, input =>
        {
            using var connection = ManagedTlsConnection.CreateServer(Options);
            connection.Feed(input);
            resumed += connection.Resumed ? 1 : 0;
            if (connection.Failure is not null)
            {
                byte[] output = connection.TakePendingOutput();
                Assert.True(output.Length >= 7 && output[^1] == (byte)connection.Failure.Alert || output.Length >= 24,
                    $"no alert record at the end for {connection.Failure.Alert}");
            }
        }, _ => false);

        Assert.True(runs > seeds.Length);
        Assert.True(resumed >= seeds.Length, "the unmutated seeds resume");
    }

    public void Dispose()
    {
        _key.Dispose();
        _protector.Dispose();
    }

    private Ticket FirstTicket()
    {
        using var connection = ManagedTlsConnection.CreateServer(Options);
        ResumptionTestClient.Outcome outcome = ResumptionTestClient.FullHandshake(connection);
        Assert.Equal(s_fullFlight, outcome.ServerMessages);
        Assert.Equal(2, outcome.Tickets.Count);
        return outcome.Tickets[0];
    }
}
