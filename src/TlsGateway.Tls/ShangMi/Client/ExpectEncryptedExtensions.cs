namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The first message under the server's handshake key (RFC 8446 §4.3.1): only answers to what the
/// client asked (§4.2, unsupported_extension otherwise), and an ALPN protocol the client offered.
/// A resumed handshake goes straight to the server's Finished; a full one expects its certificate.
/// </summary>
internal sealed class ExpectEncryptedExtensions(PendingServerFlight flight) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.EncryptedExtensions)
        {
            throw Unexpected(type, "EncryptedExtensions");
        }

        EncryptedExtensions extensions = EncryptedExtensions.Parse(Body(message));
        PendingServerFlight.EnsureSolicited(flight.Sent, extensions.Extensions, "EncryptedExtensions");
        if (extensions.ApplicationProtocol is { } protocol && !context.Options.ApplicationProtocols.Contains(protocol))
        {
            // RFC 7301 §3.1: the server picks one of the client's protocols; anything else is illegal.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the server's ALPN protocol is not one the client offered");
        }

        flight.Transcript.AppendData(message);
        context.ApplicationProtocol = extensions.ApplicationProtocol;
        return flight.Resumed ? new ExpectServerFinished(flight, null) : new ExpectCertificateRequestOrCertificate(flight);
    }

    public override void Dispose() => flight.Dispose();
}
