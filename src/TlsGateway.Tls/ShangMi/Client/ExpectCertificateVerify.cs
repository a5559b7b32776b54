using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server proves it holds the leaf's key with CertificateVerify over the transcript through its
/// Certificate (RFC 8446 §4.4.3), an SM2 one under the ID "TLSv1.3+GM+Cipher+Suite" (RFC 8998
/// §3.2.1). A scheme the client did not offer is illegal_parameter (§4.4.3), a bad signature decrypt_error.
/// </summary>
internal sealed class ExpectCertificateVerify(PendingServerFlight flight, CertificateRequest? request, X509Certificate2 leaf) : ClientState
{
    public override ClientState Handle(ClientHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.CertificateVerify)
        {
            throw Unexpected(type, "the server's CertificateVerify");
        }

        CertificateVerify verify = CertificateVerify.Parse(Body(message));
        if (!ClientOffer.SignatureSchemes.Contains(verify.Algorithm))
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, $"the server signed with {verify.Algorithm}, which the client did not offer");
        }

        byte[] content = CertificateVerifyContent.Build(server: true, flight.Transcript.GetCurrentHash());
        CertificateVerifyContent.VerifyPeer(leaf, verify.Algorithm, content, verify.Signature.Span);
        flight.Transcript.AppendData(message);
        context.PeerSignatureScheme = verify.Algorithm;
        return new ExpectServerFinished(flight, request);
    }

    public override void Dispose() => flight.Dispose();
}
