using System.Net.Sockets;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Plaintext TCP (an upstream without TLS). Receives and sends are tried without blocking first;
/// only a socket that has nothing to give, or no room to take, is awaited.
/// </summary>
public sealed class SocketLink : StreamLink
{
    private readonly Socket _socket;
    private readonly ReadinessWaiter _readiness;

    // The kernel reports a reset once, to whichever call comes first. A send that took it leaves
    // the reader only the end of the stream, which would pass for a FIN after a whole reply.
    private volatile bool _sendMetReset;

    public SocketLink(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
        _readiness = new ReadinessWaiter(socket);
    }

    public override ValueTask WaitToReadAsync() => _readiness.WaitAsync();

    /// <summary>
    /// Reads into <paramref name="buffer"/>; 0 at the end of the stream (a FIN). A reset throws,
    /// whether the wait before met it, the receive did or a send did: an upstream that resets has
    /// failed, and the forwarder ends the client's side too, rather than closing it cleanly after a
    /// truncated reply.
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int received = _readiness.PeerReset ? QuietSocket.Reset : await QuietSocket.ReceiveAsync(_socket, buffer, cancellationToken).ConfigureAwait(false);
        return received == QuietSocket.Reset || (received == 0 && _sendMetReset) ? throw new SocketException((int)SocketError.ConnectionReset) : received;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int sent = _socket.Send(data.Span, SocketFlags.None, out SocketError error);
        return error switch
        {
            SocketError.Success when sent == data.Length => ValueTask.CompletedTask,
            SocketError.Success => SendRestAsync(data[sent..], cancellationToken),
            SocketError.WouldBlock => SendRestAsync(data, cancellationToken),
            _ => ValueTask.FromException(SendFailed(error)),
        };
    }

    // The socket buffer is full: the upstream is slower than the client (backpressure).
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        catch (SocketException e)
        {
            throw SendFailed(e.SocketErrorCode);
        }
    }

    // Only ECONNRESET means the reset was taken here. EPIPE (Shutdown) comes after a reset someone
    // already saw, or for a reset that followed the upstream's FIN (Linux reports that one as EPIPE):
    // the stream before such a FIN was whole, and its end stays clean.
    private SocketException SendFailed(SocketError error)
    {
        if (error == SocketError.ConnectionReset)
        {
            _sendMetReset = true;
        }

        return new SocketException((int)error);
    }

    public override ValueTask ShutdownSendAsync(CancellationToken cancellationToken)
    {
        _socket.Shutdown(SocketShutdown.Send);
        return ValueTask.CompletedTask;
    }

    public override void Abort() => _socket.Close();

    public override ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _readiness.Dispose();
        return ValueTask.CompletedTask;
    }
}
