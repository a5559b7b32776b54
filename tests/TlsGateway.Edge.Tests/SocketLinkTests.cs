using System.Net.Sockets;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Edge.Tests;

/// <summary>
/// <see cref="SocketLink"/> (a plaintext upstream) over real loopback sockets: a FIN ends the
/// stream, and a reset is a failure the forwarder must see, whether the wait before the read met
/// it or the read itself did.
/// </summary>
public sealed class SocketLinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_fin_ends_the_stream_after_the_bytes_before_it()
    {
        (Socket local, Socket upstream) = await LoopbackSockets.PairAsync();
        await using var link = new SocketLink(local);
        using (upstream)
        {
            upstream.Send("reply"u8);
            upstream.Shutdown(SocketShutdown.Send);

            byte[] buffer = new byte[16];
            await link.WaitToReadAsync().AsTask().WaitAsync(Bound);
            Assert.Equal(5, await link.ReadAsync(buffer, CancellationToken.None));
            await link.WaitToReadAsync().AsTask().WaitAsync(Bound);
            Assert.Equal(0, await link.ReadAsync(buffer, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_reset_already_there_when_the_wait_starts_makes_the_read_throw()
    {
        await using SocketLink link = await LinkToAnUpstreamThatResetAsync();

        await link.WaitToReadAsync().AsTask().WaitAsync(Bound);

        SocketException e = await Assert.ThrowsAsync<SocketException>(() => link.ReadAsync(new byte[16], CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task A_reset_that_a_send_met_first_still_makes_the_read_throw_rather_than_end_cleanly()
    {
        await using SocketLink link = await LinkToAnUpstreamThatResetAsync();

        // The kernel reports a reset once: the send takes the error, and a receive after it sees
        // only the end of the stream, as if the upstream had sent a FIN after a whole reply.
        await Assert.ThrowsAsync<SocketException>(() => link.WriteAsync("request"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(Bound));

        SocketException e = await Assert.ThrowsAsync<SocketException>(() => link.ReadAsync(new byte[16], CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task A_reset_after_the_upstreams_fin_leaves_the_whole_reply_and_a_clean_end()
    {
        (Socket local, Socket upstream) = await LoopbackSockets.PairAsync();
        await using var link = new SocketLink(local);

        // The upstream answers in full, ends its stream and closes: sends after that draw a reset,
        // which Linux reports as EPIPE on a socket that has seen the FIN.
        upstream.Send("reply"u8);
        upstream.Shutdown(SocketShutdown.Send);
        upstream.Dispose();
        await LoopbackSockets.ArrivedAsync(local);
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            DateTime deadline = DateTime.UtcNow + Bound;
            while (DateTime.UtcNow < deadline)
            {
                await link.WriteAsync("late"u8.ToArray(), CancellationToken.None);
                await Task.Delay(10);
            }
        });
        Assert.Equal(SocketError.Shutdown, e.SocketErrorCode);

        byte[] buffer = new byte[16];
        Assert.Equal(5, await link.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.Equal(0, await link.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_reset_while_a_read_waits_without_a_wait_first_makes_the_read_throw()
    {
        (Socket local, Socket upstream) = await LoopbackSockets.PairAsync();
        await using var link = new SocketLink(local);

        // A streaming pump reads without waiting first; the upstream then dies.
        ValueTask<int> reading = link.ReadAsync(new byte[16], CancellationToken.None);
        Assert.False(reading.IsCompleted);
        LoopbackSockets.Reset(upstream);

        SocketException e = await Assert.ThrowsAsync<SocketException>(() => reading.AsTask().WaitAsync(Bound));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    // A link whose upstream has reset the connection, the reset already arrived and not yet reported.
    private static async Task<SocketLink> LinkToAnUpstreamThatResetAsync()
    {
        (Socket local, Socket upstream) = await LoopbackSockets.PairAsync();
        var link = new SocketLink(local);
        LoopbackSockets.Reset(upstream);
        await LoopbackSockets.ArrivedAsync(local);
        return link;
    }
}
