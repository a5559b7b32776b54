using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// After a CertificateRequest the client's flight starts with Certificate (RFC 8446 §4.4.2), empty
/// when it has none. An empty one is certificate_required under <see cref="ClientCertificateMode.Required"/>
/// (§4.4.2.4); otherwise the client goes on unauthenticated.
/// </summary>
/// <remarks>
/// When <see cref="ManagedServerOptions.ClientTrustAnchors"/> is non-empty the chain is validated
/// against them by <see cref="CertificateChainValidator"/> (unknown_ca, bad_certificate,
/// certificate_expired or unsupported_certificate on failure, RFC 8446 §4.4.2.4 and §6.2); with no
/// anchors only possession of the leaf's key is proven (by the CertificateVerify that follows).
/// </remarks>
internal sealed class ExpectClientCertificate(PendingClientFlight flight) : ServerState
{
    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.Certificate)
        {
            throw Unexpected(type, "the client's Certificate");
        }

        Certificate certificate = Certificate.Parse(Body(message));
        if (!certificate.RequestContext.IsEmpty)
        {
            // §4.4.2: in the handshake the context echoes the CertificateRequest's, which is empty.
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "a non-empty certificate_request_context in the handshake");
        }

        flight.Transcript.AppendData(message);
        if (certificate.Entries.Count == 0)
        {
            if (context.Options.ClientCertificates == ClientCertificateMode.Required)
            {
                // §4.4.2.4: "the server MAY at its discretion ... abort the handshake with a
                // "certificate_required" alert".
                throw new TlsProtocolException(AlertDescription.CertificateRequired, "the client sent no certificate");
            }

            return new ExpectClientFinished(flight);
        }

        byte[][] chain = [.. certificate.Entries.Select(entry => entry.CertData.ToArray())];
        if (context.Options.ClientTrustAnchors.Count > 0)
        {
            // §4.4.2.4: a chain the server cannot accept ends the handshake with the alert for the
            // reason; the CertificateVerify that follows still has to prove the leaf's key.
            CertificateChainValidator validator;
            try
            {
                validator = new CertificateChainValidator(context.Options.ClientTrustAnchors);
            }
            catch (ArgumentException e)
            {
                // A broken anchor is the server's fault, not the client's (RFC 8446 §6.2 internal_error).
                throw new TlsProtocolException(AlertDescription.InternalError, e.Message);
            }

            validator.Validate(chain);
            context.PeerChainValidated = true;
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509CertificateLoader.LoadCertificate(certificate.Entries[0].CertData.Span);
        }
        catch (CryptographicException e)
        {
            throw new TlsProtocolException(AlertDescription.BadCertificate, $"the client's certificate does not parse: {e.Message}");
        }

        context.PeerCertificates = chain;
        context.PeerCertificate = leaf;
        if (context.Options.ClientAuthorizer?.Authorize(PeerIdentity.FromCertificate(leaf)) is { Allowed: false } denial)
        {
            // As the OpenSSL engine does: the chain is good, the allow-lists refuse it (§6.2 access_denied);
            // the reason goes to the operator, the client learns only the alert.
            throw new TlsProtocolException(AlertDescription.AccessDenied, $"the client certificate is not allowed: {denial.Reason}");
        }

        return new ExpectClientCertificateVerify(flight, leaf);
    }

    public override void Dispose() => flight.Dispose();
}
