using System.Net.Sockets;

namespace TlsGateway.Tls;

/// <summary>
/// Receives on a TLS connection's socket without turning a reset into an exception. An async
/// socket call that fails at once (a client that closed with RST, as many do after their last
/// request) makes .NET build the exception's stack trace text with file and line numbers, reading
/// PDBs: in the profile of resumed handshakes that was a third of the edge's CPU. Here receives are
/// non-blocking recv(2) calls that report errors as codes; only a socket with nothing to say is
/// awaited, and a wait that a reset ends (or that meets one at once) completes rather than throws.
/// Waiting without a buffer is <see cref="ReadinessWaiter"/>'s job.
/// </summary>
public static class QuietSocket
{
    /// <summary>What <see cref="ReceiveAsync"/> returns for a reset (or another error): the peer is gone and nothing sent would arrive.</summary>
    public const int Reset = -1;

    /// <summary>
    /// Receives into <paramref name="buffer"/>: the byte count, 0 at the end of the stream (a FIN), or
    /// <see cref="Reset"/>. The socket must be non-blocking.
    /// </summary>
    public static ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int received = socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
        return error switch
        {
            SocketError.Success => ValueTask.FromResult(received),
            SocketError.WouldBlock => WaitAndReceiveAsync(socket, buffer, cancellationToken),
            _ => ValueTask.FromResult(Reset),
        };
    }

    private static async ValueTask<int> WaitAndReceiveAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
        {
            // A reset (or another error from the peer's side) that ended the wait. OperationAborted
            // is this process closing the socket (the other direction ended the connection): that
            // stays an exception, as the forwarder expects.
            return Reset;
        }
    }

    /// <summary>
    /// True when the peer has already reset the connection (or it failed otherwise), asked without
    /// waiting and without consuming data: a FIN, pending bytes or an empty socket all answer false.
    /// The kernel reports a socket error once, so after a true answer later receives see only the
    /// end of the stream. A blocking socket always answers false (the question could block).
    /// </summary>
    public static bool HasReset(Socket socket) =>
        !socket.Blocking && PeekOne(socket, out _) is not (SocketError.Success or SocketError.WouldBlock);

    /// <summary>
    /// True when received bytes wait in the socket, asked without waiting and without consuming
    /// them (even behind a reset, the kernel hands out what it had queued first). A blocking socket
    /// answers true: when in doubt, a caller forwards rather than drops.
    /// </summary>
    public static bool HasData(Socket socket) =>
        socket.Blocking || (PeekOne(socket, out int count) == SocketError.Success && count > 0);

    // recv(MSG_PEEK) of one byte on a non-blocking socket: reads no data, reports errors as codes.
    private static SocketError PeekOne(Socket socket, out int count)
    {
        Span<byte> one = stackalloc byte[1];
        count = socket.Receive(one, SocketFlags.Peek, out SocketError error);
        return error;
    }
}
