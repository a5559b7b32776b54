using System.Net.Sockets;

namespace TlsGateway.Tls;

/// <summary>
/// Receives on a TLS connection's socket without turning a reset into an exception. An async
/// socket call that fails at once (a client that closed with RST, as many do after their last
/// request) makes .NET build the exception's stack trace text with file and line numbers, reading
/// PDBs: in the profile of resumed handshakes that was a third of the edge's CPU. Here receives are
/// non-blocking recv(2) calls that report errors as codes; only a socket with nothing to say is
/// awaited, and a wait that a reset ends (or that meets one at once) completes rather than throws.
/// </summary>
public static class QuietSocket
{
    /// <summary>
    /// Completes when a receive would not block (bytes, end of stream or an error are there), holding
    /// no buffer. A reset never makes it throw: a reset already there is left to the receive that
    /// follows (poll(2) first), which reports <see cref="Reset"/>; one that ends a wait is either left
    /// the same way or met by the wait, which then returns true (the kernel reports an error once,
    /// so the next receive would see only the end of the stream).
    /// </summary>
    public static ValueTask<bool> WaitReadableAsync(Socket socket, CancellationToken cancellationToken) =>
        socket.Poll(0, SelectMode.SelectRead) ? ValueTask.FromResult(false) : WaitAsync(socket, cancellationToken);

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
            SocketError.WouldBlock => socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken),
            _ => ValueTask.FromResult(Reset),
        };
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

    private static async ValueTask<bool> WaitAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
        {
            // A reset (or another error from the peer's side) that ended the wait. OperationAborted
            // is this process closing the socket (the other direction ended the connection): that
            // stays an exception, as the forwarder expects.
            return true;
        }
    }
}
