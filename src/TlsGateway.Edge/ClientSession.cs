using System.Net.Sockets;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// A client connection whose TLS handshake has finished, whichever engine ran it (OpenSSL, or the
/// managed ShangMi engine for RFC 8998 clients): what a filter chain's handler needs to forward it.
/// The listener owns it and disposes <see cref="Link"/> when the handler returns.
/// </summary>
/// <param name="Chain">The filter chain the handshake chose (by SNI, and ALPN where configured).</param>
/// <param name="Engine">"openssl" or "shangmi", the value of the engine label in metrics.</param>
/// <param name="PeerGone">
/// The client left before the end of the handshake could be sent (see TlsSession.PeerGone), or had
/// reset the connection by the time the handshake finished (health checks and scanners that only
/// handshake do), and left no request behind: there is nobody to forward for, so no upstream
/// connection is opened.
/// </param>
public sealed record ClientSession(Socket Socket, HandshakeFacts Facts, PeerIdentity? Peer, string Chain, string Engine, StreamLink Link, bool PeerGone)
{
    public const string OpenSslEngine = "openssl";

    public const string ShangMiEngine = "shangmi";
}
