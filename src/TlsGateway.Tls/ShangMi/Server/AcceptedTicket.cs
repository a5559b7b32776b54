using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A PSK the server has chosen and whose binder checked (RFC 8446 §4.2.11): the index to name in
/// the ServerHello's pre_shared_key, the ticket's state (with the PSK), and the client's leaf as a
/// certificate, ready to hand to the connection. Disposing wipes the PSK and disposes a certificate
/// that was not taken.
/// </summary>
internal sealed class AcceptedTicket(ushort index, SessionTicketState state, X509Certificate2? peerCertificate) : IDisposable
{
    private X509Certificate2? _peerCertificate = peerCertificate;

    public ushort Index { get; } = index;

    public SessionTicketState State { get; } = state;

    /// <summary>Hands the certificate over to the caller (once).</summary>
    public X509Certificate2? TakePeerCertificate()
    {
        X509Certificate2? certificate = _peerCertificate;
        _peerCertificate = null;
        return certificate;
    }

    public void Dispose()
    {
        State.Dispose();
        _peerCertificate?.Dispose();
        _peerCertificate = null;
    }
}
