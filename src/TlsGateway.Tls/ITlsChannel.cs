using System.Net.Sockets;

namespace TlsGateway.Tls;

/// <summary>
/// An established TLS connection over a socket, whichever engine drives it (<see cref="TlsSession"/>
/// for OpenSSL, <see cref="ShangMi.ManagedTlsSession"/> for the managed RFC 8998 engine): what a
/// proxy needs to pump plaintext both ways. One read and one write may run at the same time.
/// </summary>
public interface ITlsChannel : IAsyncDisposable
{
    Socket Socket { get; }

    /// <summary>Received bytes not yet read (decrypted, or still a record): e.g. a request behind the client's Finished.</summary>
    bool HasBufferedInput { get; }

    /// <summary>
    /// Completes when a read may make progress, without holding a buffer. It takes no token: closing
    /// the socket ends the wait (with a <see cref="System.Net.Sockets.SocketException"/>), see <see cref="ReadinessWaiter"/>.
    /// </summary>
    ValueTask WaitToReadAsync();

    /// <summary>
    /// The stream ended with the peer's close_notify, so nothing it sent was cut short. False after
    /// a bare TCP FIN or a reset, which anyone on the path can forge (RFC 8446 §6.1: a truncation).
    /// Read after <see cref="ReadAsync"/> has returned 0.
    /// </summary>
    bool CloseNotifyReceived { get; }

    /// <summary>Reads decrypted bytes; 0 at the end of the stream (close_notify, TCP FIN or a reset: see <see cref="CloseNotifyReceived"/>).</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Encrypts and sends all of the data; completes when the socket has taken it.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends close_notify and half-closes the socket for sending; a peer already gone is not an error (nobody is left to tell).</summary>
    ValueTask ShutdownAsync(CancellationToken cancellationToken = default);
}
