using System.Net.Sockets;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// <see cref="ReadinessWaiter"/> over real loopback sockets: a wait ends when there is something to
/// read, leaves it unread, reports a reset as a code, is ended by closing the socket, and can be
/// used again and again.
/// </summary>
public sealed class ReadinessWaiterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_wait_on_a_silent_socket_ends_when_bytes_arrive_and_leaves_them_unread()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        ValueTask waiting = waiter.WaitAsync();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        peer.Send("hello"u8);
        await waiting.AsTask().WaitAsync(Bound);

        Assert.False(waiter.PeerReset);
        byte[] buffer = new byte[16];
        Assert.Equal(5, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, 5));
    }

    [Fact]
    public async Task A_fin_ends_a_wait_as_readable_and_the_receive_sees_the_end_of_the_stream()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        ValueTask waiting = waiter.WaitAsync();
        peer.Shutdown(SocketShutdown.Send);
        await waiting.AsTask().WaitAsync(Bound);

        Assert.False(waiter.PeerReset);
        Assert.Equal(0, await QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None));
    }

    [Fact]
    public async Task A_reset_already_there_ends_the_wait_at_once_as_PeerReset_without_an_exception()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        LoopbackSockets.Reset(peer);
        await LoopbackSockets.ArrivedAsync(local);

        ValueTask waiting = waiter.WaitAsync();

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(waiter.PeerReset);
    }

    [Fact]
    public async Task A_reset_arriving_during_a_wait_is_reported_once_by_the_wait_or_by_the_receive_never_thrown()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        ValueTask waiting = waiter.WaitAsync();
        Assert.False(waiting.IsCompleted);

        LoopbackSockets.Reset(peer);
        await waiting.AsTask().WaitAsync(Bound);
        int received = await QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None);

        // .NET completes a pending zero-byte receive on the readiness event without reading the
        // error, so the receive reports it; either way it is reported exactly once.
        Assert.True(waiter.PeerReset != (received == QuietSocket.Reset), $"wait: {waiter.PeerReset}, receive: {received}");
    }

    [Fact]
    public async Task Closing_the_socket_ends_a_pending_wait_with_OperationAborted()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        ValueTask waiting = waiter.WaitAsync();
        Assert.False(waiting.IsCompleted);

        local.Close();

        SocketException e = await Assert.ThrowsAsync<SocketException>(() => waiting.AsTask().WaitAsync(Bound));
        Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
        Assert.False(waiter.PeerReset);
    }

    [Fact]
    public async Task A_token_that_is_cancelled_ends_the_wait_and_leaves_the_socket_usable()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(limit.Token).AsTask().WaitAsync(Bound));

        ValueTask waiting = waiter.WaitAsync();
        peer.Send("after"u8);
        await waiting.AsTask().WaitAsync(Bound);
        Assert.Equal(5, await QuietSocket.ReceiveAsync(local, new byte[16], CancellationToken.None));
    }

    [Fact]
    public async Task One_waiter_serves_one_wait_after_another()
    {
        using WaiterOnPair pair = await WaiterOnPair.OpenAsync();
        (Socket local, Socket peer, ReadinessWaiter waiter) = pair;

        byte[] buffer = new byte[16];
        for (int i = 0; i < 200; i++)
        {
            ValueTask waiting = waiter.WaitAsync();
            peer.Send([(byte)i]);
            await waiting.AsTask().WaitAsync(Bound);

            Assert.Equal(1, await QuietSocket.ReceiveAsync(local, buffer, CancellationToken.None));
            Assert.Equal((byte)i, buffer[0]);
        }

        Assert.False(waiter.PeerReset);
    }

    // A loopback pair with a waiter on its local end, non-blocking as the sessions set it; disposed
    // whole (a socket a test already closed or reset is disposed again harmlessly).
    private sealed class WaiterOnPair(Socket local, Socket peer) : IDisposable
    {
        public Socket Local => local;

        public Socket Peer => peer;

        public ReadinessWaiter Waiter { get; } = new(local);

        public void Deconstruct(out Socket localEnd, out Socket peerEnd, out ReadinessWaiter waiter) => (localEnd, peerEnd, waiter) = (local, peer, Waiter);

        public static async Task<WaiterOnPair> OpenAsync()
        {
            (Socket local, Socket peer) = await LoopbackSockets.PairAsync();
            local.Blocking = false;
            return new WaiterOnPair(local, peer);
        }

        public void Dispose()
        {
            Waiter.Dispose();
            local.Dispose();
            peer.Dispose();
        }
    }
}
