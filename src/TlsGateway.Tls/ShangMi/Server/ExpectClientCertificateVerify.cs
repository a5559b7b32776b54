using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A client that sent a certificate proves it holds the key with CertificateVerify over the
/// transcript through its Certificate (RFC 8446 §4.4.3): a scheme the server did not offer is
/// illegal_parameter, a signature that fails is decrypt_error.
/// </summary>
internal sealed class ExpectClientCertificateVerify(PendingClientFlight flight, X509Certificate2 leaf) : ServerState
{
    public override ServerState Handle(ServerHandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message)
    {
        if (type != HandshakeType.CertificateVerify)
        {
            throw Unexpected(type, "the client's CertificateVerify");
        }

        CertificateVerify verify = CertificateVerify.Parse(Body(message));
        byte[] content = CertificateVerifyContent.Build(server: false, flight.Transcript.GetCurrentHash());
        CertificateVerifyContent.VerifyPeer(leaf, verify.Algorithm, content, verify.Signature.Span);
        flight.Transcript.AppendData(message);
        context.PeerSignatureScheme = verify.Algorithm;
        return new ExpectClientFinished(flight);
    }

    public override void Dispose() => flight.Dispose();
}
