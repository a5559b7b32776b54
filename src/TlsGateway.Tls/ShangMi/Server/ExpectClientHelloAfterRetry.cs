namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After a HelloRetryRequest: the second ClientHello must be the first one with only the changes
/// §4.1.2 allows — key_share now a single share of the group the server asked for, early_data
/// gone, a cookie added, pre_shared_key updated, padding changed. The server checks what it relies
/// on: the same random, session id and suites, still TLS 1.3, the one requested share.
/// </summary>
internal sealed class ExpectClientHelloAfterRetry : ServerState
{
    private readonly ClientHello _first;
    private readonly ServerNegotiation _chosen;
    private readonly Tls13Hash _transcript;

    public ExpectClientHelloAfterRetry(ClientHello first, ServerNegotiation chosen, Tls13Hash transcript)
    {
        _first = first;
        _chosen = chosen;
        _transcript = transcript;
    }

    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.ClientHello)
        {
            throw Unexpected(type, "the second ClientHello");
        }

        ClientHello hello = ClientHello.Parse(Body(message));
        if (!hello.Random.Span.SequenceEqual(_first.Random.Span)
            || !hello.LegacySessionId.Span.SequenceEqual(_first.LegacySessionId.Span)
            || !hello.CipherSuites.SequenceEqual(_first.CipherSuites))
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the second ClientHello changed random, session id or cipher suites (RFC 8446 §4.1.2)");
        }

        if (!hello.OffersTls13)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the second ClientHello no longer offers TLS 1.3");
        }

        if (hello.OffersEarlyData)
        {
            // §4.2.10: "A client MUST NOT include the "early_data" extension in its followup ClientHello."
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "early_data in the ClientHello after a HelloRetryRequest");
        }

        // §4.2.8: "[the client] MUST verify that ... the selected_group field corresponds to a group
        // which was provided in the supported_groups extension" and then sends exactly one share, of
        // that group; the server checks it got what it asked for.
        if (hello.KeyShares is not { Count: 1 } shares || shares[0].Group != _chosen.Group)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the second ClientHello lacks the single {_chosen.Group} share asked for");
        }

        if (hello.SignatureAlgorithms?.Contains(_chosen.Credential.Scheme) != true
            || hello.SupportedGroups?.Contains(_chosen.Group) != true)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the second ClientHello withdrew the group or signature scheme");
        }

        // §4.1.4, §4.2.11.2: the binders of the second ClientHello cover message_hash(ClientHello1),
        // the HelloRetryRequest and the truncated second ClientHello: _transcript holds the first two.
        AcceptedTicket? resumed = TicketResumption.TryAccept(context, hello, message, _chosen.Suite, _transcript);

        // On failure the transcript stays with this state, which the connection disposes.
        _transcript.AppendData(message);
        return ServerFlight.Send(context, hello, _chosen with { ClientShare = shares[0] }, _transcript, resumed);
    }

    public override void Dispose() => _transcript.Dispose();
}
