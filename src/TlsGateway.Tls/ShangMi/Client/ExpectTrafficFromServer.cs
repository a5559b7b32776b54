namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The client after the handshake (RFC 8446 §4.6): NewSessionTicket makes a resumable session
/// (PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce), §4.6.1), KeyUpdate
/// rekeys (§4.6.3). A CertificateRequest is unexpected_message, since post_handshake_auth was not
/// offered (§4.6.2). Holds the application traffic secrets and the resumption master secret.
/// </summary>
internal sealed class ExpectTrafficFromServer(Tls13Secret serverSecret, Tls13Secret clientSecret, Tls13Secret resumptionMasterSecret) : ClientState
{
    private readonly TrafficKeys _keys = new(readSecret: serverSecret, writeSecret: clientSecret);

    public override bool AcceptsChangeCipherSpec => false;

    public override TrafficKeys Traffic => _keys;

    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        switch (type)
        {
            case HandshakeType.KeyUpdate:
                _keys.ReceiveKeyUpdate(context.Records, Body(message));
                return this;
            case HandshakeType.NewSessionTicket:
                StoreTicket(context, NewSessionTicket.Parse(Body(message)));
                return this;
            default:
                throw Unexpected(type, "application data, NewSessionTicket or KeyUpdate");
        }
    }

    public override void Dispose()
    {
        _keys.Dispose();
        resumptionMasterSecret.Dispose();
    }

    private void StoreTicket(ClientHandshakeContext context, NewSessionTicket ticket)
    {
        if (ticket.Lifetime > ManagedClientSession.MaxLifetimeSeconds)
        {
            // §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)".
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"a ticket lifetime of {ticket.Lifetime} s, more than 7 days");
        }

        if (ticket.Lifetime == 0)
        {
            return; // §4.6.1: "A value of zero indicates that the ticket should be discarded immediately."
        }

        Tls13Secret psk = resumptionMasterSecret.DeriveResumptionPsk(ticket.Nonce.Span);
        context.AddSession(new ManagedClientSession(context.Suite!, psk, ticket, context.Options.Clock.GetUtcNow(),
            context.Options.ServerName, context.ApplicationProtocol));
    }
}
