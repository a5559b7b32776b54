using System.Net.Sockets;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// <see cref="QuietSocket"/> over real loopback sockets: what it reports for a reset, a FIN, bytes
/// and silence, without exceptions and without consuming what it looks at.
/// Waiting without a buffer is tested in <see cref="ReadinessWaiterTests"/>.
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

            LoopbackSockets.Reset(peer);
            await LoopbackSockets.ArrivedAsync(local);

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
            await LoopbackSockets.ArrivedAsync(local);

            Assert.False(QuietSocket.HasReset(local));

            byte[] buffer = new byte[16];
            Assert.Equal(5, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, 5));
            Assert.False(QuietSocket.HasReset(local));
            Assert.Equal(0, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_reset_already_there_is_reported_by_the_receive_as_a_code()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            LoopbackSockets.Reset(peer);
            await LoopbackSockets.ArrivedAsync(local);

            Assert.Equal(QuietSocket.Reset, await QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_reset_arriving_while_a_receive_waits_is_reported_as_a_code_not_thrown()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            ValueTask<int> receiving = QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None);
            Assert.False(receiving.IsCompleted);

            LoopbackSockets.Reset(peer);

            Assert.Equal(QuietSocket.Reset, await receiving.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task HasData_sees_bytes_queued_even_behind_a_reset_and_leaves_them_unread()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            Assert.False(QuietSocket.HasData(local)); // silence

            peer.Send("last words"u8);
            LoopbackSockets.Reset(peer);
            await LoopbackSockets.ArrivedAsync(local);

            Assert.True(QuietSocket.HasData(local));
            Assert.False(QuietSocket.HasReset(local)); // the bytes come first, the reset after them
            byte[] buffer = new byte[16];
            Assert.Equal(10, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
            Assert.False(QuietSocket.HasData(local));
        }
    }

    [Fact]
    public async Task A_blocking_socket_is_never_asked_and_answers_false()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            local.Blocking = true;
            LoopbackSockets.Reset(peer);
            await LoopbackSockets.ArrivedAsync(local);

            Assert.False(QuietSocket.HasReset(local));
        }
    }

    // The local end non-blocking, as TlsSession sets it.
    private static async Task<(Socket Local, Socket Peer)> PairAsync()
    {
        (Socket local, Socket peer) = await LoopbackSockets.PairAsync();
        local.Blocking = false;
        return (local, peer);
    }
}
