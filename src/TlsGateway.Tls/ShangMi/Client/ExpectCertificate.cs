using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's Certificate (RFC 8446 §4.4.2): a non-empty chain that leads to one of the client's
/// trust anchors (<see cref="CertificateChainValidator"/>) and whose leaf names the server
/// (<see cref="ServerNameMatcher"/>). Failures are the alerts of §6.2: decode_error for an empty
/// chain (§4.4.2.4), unknown_ca, bad_certificate, certificate_expired, unsupported_certificate, and
/// certificate_unknown for a leaf that does not name the server.
/// </summary>
internal sealed class ExpectCertificate(PendingServerFlight flight, CertificateRequest? request) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.Certificate)
        {
            throw Unexpected(type, "the server's Certificate");
        }

        Certificate certificate = Certificate.Parse(Body(message));
        if (!certificate.RequestContext.IsEmpty)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "the server's Certificate has a non-empty request context (RFC 8446 §4.4.2)");
        }

        if (certificate.Entries.Count == 0)
        {
            // §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort
            // the handshake with a "decode_error" alert."
            throw new TlsProtocolException(AlertDescription.DecodeError, "the server sent an empty Certificate");
        }

        byte[][] chain = [.. certificate.Entries.Select(entry => entry.CertData.ToArray())];
        CertificateChainValidator validator;
        try
        {
            validator = new CertificateChainValidator(context.Options.TrustAnchors, context.Options.Clock);
        }
        catch (ArgumentException e)
        {
            // A broken anchor is this side's fault (RFC 8446 §6.2 internal_error).
            throw new TlsProtocolException(AlertDescription.InternalError, e.Message);
        }

        validator.Validate(chain);
        X509Certificate2 leaf;
        try
        {
            leaf = X509CertificateLoader.LoadCertificate(chain[0]);
        }
        catch (CryptographicException e)
        {
            throw new TlsProtocolException(AlertDescription.BadCertificate, $"the server's certificate does not parse: {e.Message}");
        }

        context.PeerCertificates = chain;
        context.PeerCertificate = leaf; // the connection disposes it
        if (!ServerNameMatcher.Matches(leaf, context.Options.ServerName))
        {
            // Like OpenSSL's verify callback, a name mismatch is certificate_unknown: the chain is fine, the name is not.
            throw new TlsProtocolException(AlertDescription.CertificateUnknown, "the server's certificate does not name the server the client asked for");
        }

        flight.Transcript.AppendData(message);
        return new ExpectCertificateVerify(flight, request, leaf);
    }

    public override void Dispose() => flight.Dispose();
}
