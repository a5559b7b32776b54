using TlsGateway.Crypto.ShangMi;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The client side of TLS_SM4_GCM_SM3 handshakes against the managed server in memory, written here
/// from the engine's public parts (key schedule, record protection, codec) so the server's tickets
/// and PSK handling are checked by a client that does its own derivations: a full handshake that
/// collects NewSessionTickets and their PSKs (RFC 8446 §4.6.1), and ClientHellos that offer them with
/// binders (§4.2.11.2), also after a HelloRetryRequest (§4.1.4).
/// </summary>
public static class ResumptionTestClient
{
    public static readonly Tls13CipherSuite Suite = Tls13CipherSuite.Sm4GcmSm3;

    /// <summary>What the server's flight and the end of the handshake showed the client.</summary>
    public sealed record Outcome(ushort? SelectedIdentity, List<HandshakeType> ServerMessages, List<Ticket> Tickets);

    /// <summary>A ticket as the client keeps it: the opaque ticket, ticket_age_add and the PSK derived from the nonce.</summary>
    public sealed record Ticket(byte[] Identity, uint AgeAdd, byte[] Psk);

    /// <summary>A ClientHello offering <paramref name="ticket"/> (or none) with one curveSM2 share (or none, to draw a HelloRetryRequest).</summary>
    public static ClientHello Hello(Sm2KeyExchange? share, Ticket? ticket, uint ageMilliseconds = 0, string serverName = "localhost",
        PskKeyExchangeMode mode = PskKeyExchangeMode.PskDheKe)
    {
        List<TlsExtension> extensions = [];
        foreach (TlsExtension extension in HandshakeSamples.ShangMiClientHello(serverName: serverName).Extensions)
        {
            extensions.Add(extension.Type switch
            {
                ExtensionType.KeyShare => ExtensionCodec.EncodeClientKeyShares(share is null ? [] : [new KeyShareEntry(NamedGroup.CurveSm2, share.KeyShare.ToArray())]),
                ExtensionType.PskKeyExchangeModes => ExtensionCodec.EncodePskKeyExchangeModes([mode]),
                _ => extension,
            });
        }

        if (ticket is not null)
        {
            // §4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add (mod 2^32). Placeholder binder for now.
            extensions.Add(ExtensionCodec.EncodeOfferedPsks(new OfferedPsks(
                [new PskIdentity(ticket.Identity, unchecked(ageMilliseconds + ticket.AgeAdd))], [new byte[Suite.HashLength]])));
        }

        return new ClientHello(ProtocolVersion.Tls12, HandshakeSamples.Filled(32, 0x11), HandshakeSamples.Filled(32, 0x22),
            [CipherSuiteId.TlsSm4GcmSm3], extensions);
    }

    /// <summary>The framed ClientHello with its binder computed over <paramref name="before"/> (after a retry) and the truncated hello.</summary>
    public static byte[] Bind(ClientHello hello, Ticket ticket, Tls13Hash? before = null, bool tamper = false)
    {
        byte[] framed = hello.ToMessage();
        using Tls13Hash transcript = before?.Clone() ?? Suite.CreateTranscriptHash();
        transcript.AppendData(framed.AsSpan(0, HandshakeMessage.HeaderLength + hello.BindersOffset));
        using KeyScheduleEarly early = KeyScheduleEarly.WithPsk(Suite, ticket.Psk);
        using Tls13Secret binderKey = early.DeriveResumptionBinderKey();
        byte[] binder = binderKey.ComputeVerifyData(transcript.GetCurrentHash());
        if (tamper)
        {
            binder[^1] ^= 0x01;
        }

        ClientHello.PatchBinders(framed, hello.BindersOffset, [binder]);
        return framed;
    }

    /// <summary>A full handshake (no PSK offered) that ends with the server's tickets.</summary>
    public static Outcome FullHandshake(ManagedTlsConnection server)
    {
        using var share = new Sm2KeyExchange();
        return Complete(server, share, [], Hello(share, null).ToMessage(), null);
    }

    /// <summary>Offers <paramref name="ticket"/> and completes whatever handshake the server chooses.</summary>
    public static Outcome Resume(ManagedTlsConnection server, Ticket ticket, uint ageMilliseconds = 0, string serverName = "localhost")
    {
        using var share = new Sm2KeyExchange();
        return Complete(server, share, [], Bind(Hello(share, ticket, ageMilliseconds, serverName), ticket), ticket.Psk);
    }

    /// <summary>The first ClientHello without a share draws a HelloRetryRequest; the second offers the ticket again, bound over the retry.</summary>
    public static Outcome ResumeAfterRetry(ManagedTlsConnection server, Ticket ticket)
    {
        using var share = new Sm2KeyExchange();
        byte[] first = Bind(Hello(null, ticket), ticket);
        server.Feed(HandshakeSamples.InRecords(first));
        byte[] output = server.TakePendingOutput();
        Assert.True(server.Failure is null, server.Failure?.Message);
        int at = 0;
        byte[] retry = TestRecords.Next(output, ref at)[5..];
        Assert.True(ServerHello.Parse(retry.AsSpan(HandshakeMessage.HeaderLength)).IsHelloRetryRequest);

        // §4.4.1: message_hash(ClientHello1), then the HelloRetryRequest.
        using Tls13Hash before = Suite.CreateTranscriptHash();
        byte[] firstHash = new byte[Suite.HashLength];
        Suite.Hash.HashData(first, firstHash);
        before.AppendData(MessageHash.Create(firstHash));
        before.AppendData(retry);
        byte[] second = Bind(Hello(share, ticket), ticket, before);
        return Complete(server, share, [MessageHash.Create(firstHash), retry], second, ticket.Psk);
    }

    private static Outcome Complete(ManagedTlsConnection server, Sm2KeyExchange share, byte[][] earlier, byte[] hello, byte[]? psk)
    {
        server.Feed(HandshakeSamples.InRecords(hello));
        byte[] flight = server.TakePendingOutput();
        Assert.True(server.Failure is null, server.Failure?.Message);
        using Tls13Hash transcript = Suite.CreateTranscriptHash();
        foreach (byte[] message in earlier)
        {
            transcript.AppendData(message);
        }

        transcript.AppendData(hello);
        int at = 0;
        byte[] serverHelloMessage = TestRecords.Next(flight, ref at)[5..];
        transcript.AppendData(serverHelloMessage);
        ServerHello serverHello = ServerHello.Parse(serverHelloMessage.AsSpan(HandshakeMessage.HeaderLength));

        using KeyScheduleEarly early = serverHello.SelectedIdentity is null ? KeyScheduleEarly.WithoutPsk(Suite) : KeyScheduleEarly.WithPsk(Suite, psk!);
        using KeyScheduleHandshake handshake = early.IntoHandshake(share.DeriveSharedSecret(serverHello.KeyShare!.KeyExchange.Span));
        byte[] helloHash = transcript.GetCurrentHash();
        using Tls13Secret clientHandshake = handshake.DeriveClientHandshakeTrafficSecret(helloHash);
        using Tls13Secret serverHandshake = handshake.DeriveServerHandshakeTrafficSecret(helloHash);
        using RecordProtection serverHandshakeKeys = serverHandshake.CreateRecordProtection();
        var types = new List<HandshakeType>();
        while (at < flight.Length)
        {
            byte[] record = TestRecords.Next(flight, ref at);
            if ((ContentType)record[0] == ContentType.ChangeCipherSpec)
            {
                continue; // §D.4
            }

            int length = serverHandshakeKeys.Open(record, out ContentType type);
            Assert.Equal(ContentType.Handshake, type);
            types.Add((HandshakeType)record[5]);
            transcript.AppendData(record.AsSpan(5, length));
        }

        byte[] finishedHash = transcript.GetCurrentHash();
        using KeyScheduleTraffic traffic = handshake.IntoTraffic();
        using Tls13Secret serverApplication = traffic.DeriveServerApplicationTrafficSecret(finishedHash);
        using RecordProtection clientHandshakeKeys = clientHandshake.CreateRecordProtection();
        byte[] finished = new Finished(clientHandshake.ComputeVerifyData(finishedHash)).ToMessage();
        transcript.AppendData(finished);
        server.Feed(TestRecords.Seal(clientHandshakeKeys, ContentType.Handshake, finished));
        Assert.True(server.IsHandshakeComplete, server.Failure?.Message);

        using Tls13Secret resumptionMaster = traffic.DeriveResumptionMasterSecret(transcript.GetCurrentHash());
        return new Outcome(serverHello.SelectedIdentity, types, ReadTickets(server.TakePendingOutput(), serverApplication, resumptionMaster));
    }

    private static List<Ticket> ReadTickets(byte[] output, Tls13Secret serverApplication, Tls13Secret resumptionMaster)
    {
        using RecordProtection keys = serverApplication.CreateRecordProtection();
        var tickets = new List<Ticket>();
        int at = 0;
        while (at < output.Length)
        {
            byte[] record = TestRecords.Next(output, ref at);
            int length = keys.Open(record, out ContentType type);
            Assert.Equal(ContentType.Handshake, type);
            Assert.Equal(HandshakeType.NewSessionTicket, (HandshakeType)record[5]);
            NewSessionTicket ticket = NewSessionTicket.Parse(record.AsSpan(5 + HandshakeMessage.HeaderLength, length - HandshakeMessage.HeaderLength));
            using Tls13Secret psk = resumptionMaster.DeriveResumptionPsk(ticket.Nonce.Span);
            tickets.Add(new Ticket(ticket.Ticket.ToArray(), ticket.AgeAdd, psk.Span.ToArray()));
        }

        return tickets;
    }
}
