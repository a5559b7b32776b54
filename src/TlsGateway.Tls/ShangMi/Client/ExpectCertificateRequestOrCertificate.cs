namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After EncryptedExtensions in a full handshake: a CertificateRequest (RFC 8446 §4.3.2), after
/// which the client will answer with a Certificate of its own, or directly the server's Certificate.
/// </summary>
internal sealed class ExpectCertificateRequestOrCertificate(PendingServerFlight flight) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        switch (type)
        {
            case HandshakeType.Certificate:
                return new ExpectCertificate(flight, null).Handle(context, type, message);
            case HandshakeType.CertificateRequest:
                CertificateRequest request = CertificateRequest.Parse(Body(message));
                if (!request.RequestContext.IsEmpty)
                {
                    // §4.3.2: in the handshake "this field SHALL be zero length".
                    throw new TlsProtocolException(AlertDescription.IllegalParameter, "a CertificateRequest in the handshake with a non-empty context");
                }

                if (request.SignatureAlgorithms is null)
                {
                    // §4.3.2: "The "signature_algorithms" extension MUST be specified"; §9.2 missing_extension.
                    throw new TlsProtocolException(AlertDescription.MissingExtension, "a CertificateRequest without signature_algorithms");
                }

                flight.Transcript.AppendData(message);
                return new ExpectCertificate(flight, request);
            default:
                throw Unexpected(type, "CertificateRequest or Certificate");
        }
    }

    public override void Dispose() => flight.Dispose();
}
