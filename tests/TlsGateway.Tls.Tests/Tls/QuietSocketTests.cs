using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// <see cref="QuietSocket"/> over real loopback sockets: what it reports for a reset, a FIN, bytes
/// and silence, without exceptions and without consuming what it looks at.
/// </summary>
public sealed class QuietSocketTests
{
    [Fact]
    public async Task HasReset_is_true_only_once_the_peer_has_reset()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            Assert.False(QuietSocket.HasReset(local)); // silence

            peer.LingerState = new LingerOption(true, 0); // close(2) sends RST
            peer.Dispose();
            await ArrivedAsync(local);

            Assert.True(QuietSocket.HasReset(local));
        }
    }

    [Fact]
    public async Task HasReset_is_false_for_a_fin_and_for_pending_bytes_which_it_leaves_unread()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        using (peer)
        {
            peer.Send("hello"u8);
            peer.Shutdown(SocketShutdown.Send);
            await ArrivedAsync(local);

            Assert.False(QuietSocket.HasReset(local));

            byte[] buffer = new byte[16];
            Assert.Equal(5, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, 5));
            Assert.False(QuietSocket.HasReset(local));
            Assert.Equal(0, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ReceiveAsync_reports_a_reset_as_a_code_not_an_exception()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            peer.LingerState = new LingerOption(true, 0);
            peer.Dispose();
            await ArrivedAsync(local);

            await QuietSocket.WaitReadableAsync(local, CancellationToken.None);
            Assert.Equal(QuietSocket.Reset, await QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_blocking_socket_is_never_asked_and_answers_false()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            local.Blocking = true;
            peer.LingerState = new LingerOption(true, 0);
            peer.Dispose();
            await ArrivedAsync(local);

            Assert.False(QuietSocket.HasReset(local));
        }
    }

    // A connected loopback pair; the local end non-blocking, as TlsSession sets it.
    private static async Task<(Socket Local, Socket Peer)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(listener.LocalEndPoint!);
        Socket local = await listener.AcceptAsync();
        local.Blocking = false;
        return (local, peer);
    }

    // Loopback packets still arrive asynchronously: wait until the socket has something to report.
    private static async Task ArrivedAsync(Socket socket)
    {
        for (int i = 0; i < 200 && !socket.Poll(0, SelectMode.SelectRead); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(socket.Poll(0, SelectMode.SelectRead), "nothing arrived within 2 s");
    }
}
