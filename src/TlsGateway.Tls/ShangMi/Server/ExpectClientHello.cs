namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The first state: nothing but a ClientHello is acceptable (RFC 8446 §4.1.2). Either the server
/// can answer at once (a key share for the chosen group is there) and sends its whole flight, or it
/// sends a HelloRetryRequest naming the group it wants (§4.1.4). A pre_shared_key offer of one of the
/// server's tickets makes the flight a resumption (<see cref="TicketResumption"/>).
/// </summary>
internal sealed class ExpectClientHello : ServerState
{
    /// <summary>Before the first ClientHello a change_cipher_spec is unexpected (§5).</summary>
    public override bool AcceptsChangeCipherSpec => false;

    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.ClientHello)
        {
            throw Unexpected(type, "ClientHello");
        }

        ClientHello hello = ClientHello.Parse(Body(message));
        ServerNegotiation chosen = ClientHelloNegotiator.Negotiate(context.Options, hello);
        Tls13Hash transcript = chosen.Suite.CreateTranscriptHash();
        try
        {
            transcript.AppendData(message);
            if (chosen.ClientShare is not null)
            {
                // §4.2.11: a ticket is chosen (and its binder checked) only for the ClientHello the
                // server answers with a ServerHello; before a HelloRetryRequest the offer waits for
                // the second ClientHello, whose binders cover the retry too.
                AcceptedTicket? resumed = TicketResumption.TryAccept(context, hello, message, chosen.Suite, transcriptBefore: null);
                return ServerFlight.Send(context, hello, chosen, transcript, resumed);
            }

            return SendHelloRetryRequest(context, hello, chosen, transcript);
        }
        catch
        {
            transcript.Dispose();
            throw;
        }
    }

    private static ExpectClientHelloAfterRetry SendHelloRetryRequest(ServerHandshakeContext context, ClientHello hello,
        ServerNegotiation chosen, Tls13Hash transcript)
    {
        // §4.4.1: after a HelloRetryRequest the transcript starts again with
        // message_hash(Hash(ClientHello1)), then the HelloRetryRequest itself.
        byte[] firstHelloHash = transcript.GetCurrentHash();
        Tls13Hash restarted = chosen.Suite.CreateTranscriptHash();
        transcript.Dispose();
        restarted.AppendData(MessageHash.Create(firstHelloHash));

        byte[] retry = ServerHello.CreateHelloRetryRequest(hello.LegacySessionId, chosen.Suite.Id, chosen.Group).ToMessage();
        restarted.AppendData(retry);
        context.Records.SendPlaintextHandshake(retry);
        if (!hello.LegacySessionId.IsEmpty)
        {
            // §D.4: the dummy change_cipher_spec follows the server's first handshake message,
            // which may be the HelloRetryRequest.
            context.Records.SendChangeCipherSpecOnce();
        }

        context.HelloRetried = true;
        return new ExpectClientHelloAfterRetry(hello, chosen, restarted);
    }
}
