namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The client's Finished (RFC 8446 §4.4.4): verify_data under the client handshake traffic secret
/// over the transcript so far. A wrong one is decrypt_error. Once it checks, the client's
/// application key replaces its handshake key for reading, the handshake is over, and the server
/// sends its session tickets if it issues any.
/// </summary>
internal sealed class ExpectClientFinished(PendingClientFlight flight) : ServerState
{
    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.Finished)
        {
            throw Unexpected(type, "the client's Finished");
        }

        Finished finished = Finished.Parse(Body(message), flight.Suite.HashLength);
        if (!flight.ClientHandshakeSecret.VerifyVerifyData(flight.Transcript.GetCurrentHash(), finished.VerifyData.Span))
        {
            throw new TlsProtocolException(AlertDescription.DecryptError, "the client's Finished does not verify (RFC 8446 §4.4.4)");
        }

        context.Records.SetReadProtection(flight.ClientApplicationSecret.CreateRecordProtection());
        if (flight.Master is { } master)
        {
            // §4.6.1: tickets go out after the client's Finished, under the server's application key,
            // their PSKs from resumption_master_secret over ClientHello…client Finished (§7.1).
            flight.Transcript.AppendData(message);
            SessionTicketIssuer.Send(context, master, flight.Transcript.GetCurrentHash());
        }

        (Tls13Secret client, Tls13Secret server) = flight.Complete();
        return new ExpectTraffic(client, server);
    }

    public override void Dispose() => flight.Dispose();
}
