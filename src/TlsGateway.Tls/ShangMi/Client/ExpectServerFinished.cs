namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's Finished (RFC 8446 §4.4.4): verify_data under the server handshake traffic secret
/// over the transcript so far; a wrong one is decrypt_error. Then the application secrets (over
/// ClientHello…server Finished, §7.1), the server's application key for reading, and the client's
/// second flight (<see cref="ClientFinishedFlight"/>).
/// </summary>
internal sealed class ExpectServerFinished(PendingServerFlight flight, CertificateRequest? request) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.Finished)
        {
            throw Unexpected(type, "the server's Finished");
        }

        Finished finished = Finished.Parse(Body(message), flight.Suite.HashLength);
        if (!flight.ServerHandshakeSecret.VerifyVerifyData(flight.Transcript.GetCurrentHash(), finished.VerifyData.Span))
        {
            throw new TlsProtocolException(AlertDescription.DecryptError, "the server's Finished does not verify (RFC 8446 §4.4.4)");
        }

        flight.Transcript.AppendData(message);
        return ClientFinishedFlight.Send(context, flight, request);
    }

    public override void Dispose() => flight.Dispose();
}
