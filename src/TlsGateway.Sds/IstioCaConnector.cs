using System.Net.Http;
using System.Net.Sockets;
using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// Opens the agent's connections to the CA for <see cref="SocketsHttpHandler.ConnectCallback"/>:
/// TCP, then TLS through the OpenSSL engine (the client certificate, the configured bundle as the
/// only trust, the CA's host name or SPIFFE ID checked, ALPN h2), and returns the plaintext
/// stream on which the handler speaks HTTP/2 with prior knowledge. .NET's own TLS never runs: the
/// handler is only ever given http:// addresses.
/// </summary>
internal sealed class IstioCaConnector : IDisposable
{
    private static readonly string[] s_h2 = ["h2"];

    private readonly TlsClientContext _context;
    private readonly string? _serverName;
    private readonly TimeSpan _handshakeTimeout;

    /// <param name="serverName">SNI and the name the certificate must carry (RFC 6125); null checks none (the authorizer in <paramref name="context"/> checks a SPIFFE ID instead).</param>
    public IstioCaConnector(TlsClientContext context, string? serverName, TimeSpan handshakeTimeout)
    {
        _context = context;
        _serverName = serverName;
        _handshakeTimeout = handshakeTimeout;
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext connection, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        TlsStream? tls = null;
        try
        {
            await socket.ConnectAsync(connection.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            tls = new TlsStream(new NetworkStream(socket, ownsSocket: true), _context.CreateConnection(_serverName, s_h2));
            await tls.HandshakeAsync(_handshakeTimeout, cancellationToken).ConfigureAwait(false);
            if (tls.Connection.Facts!.ApplicationProtocol != "h2")
            {
                // HTTP/2 over TLS is negotiated by ALPN (RFC 9113 section 3.2); a server that did not agree does not speak it here.
                throw new TlsException(new TlsFailure(TlsFailureReason.NoApplicationProtocol, "the CA did not select ALPN h2"));
            }

            return tls;
        }
        catch
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    public void Dispose() => _context.Dispose();
}
