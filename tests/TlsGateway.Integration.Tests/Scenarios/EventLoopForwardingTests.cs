using System.Net.Sockets;
using System.Text;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>
/// Forwarding on the edge's event loops (docs/edge-loop.md), through `tlsgw serve`: backpressure
/// with every byte arriving in order, and half-closes passed on (UpstreamTlsTests does the same
/// through TLS to the upstream, on both paths). Each direction's pause and resume is where an
/// edge-triggered loop can lose a wakeup; a lost one hangs these tests (every wait is bounded).
/// </summary>
public sealed class EventLoopForwardingTests
{
    [Fact]
    public async Task A_client_that_stops_reading_holds_the_upstream_back_and_then_gets_every_byte_in_order()
    {
        // What the kernel may hold on the way at most: the upstream's send buffer and the edge's
        // receive buffer, the edge's send buffer and the client's receive buffer (autotuned up to
        // the host's maximums), and slack for the edge's one queued record. The upstream sends twice that.
        long bound = (2 * (SocketBufferMax("tcp_rmem") + SocketBufferMax("tcp_wmem"))) + (4 * 1024 * 1024);
        int total = (int)Math.Max(64L * 1024 * 1024, 2 * bound);
        await using var upstream = new BulkUpstream(total, replyAfterEndOfRequest: false);
        (ServeProcess serve, int port) = await ServeOnLoopsAsync(upstream);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");
        await Eventually.TrueAsync(() => upstream.Written > 0);

        // Nothing is read: the upstream stops once the socket buffers on the way are full, and stays stopped.
        await Task.Delay(TimeSpan.FromSeconds(2));
        long stalled = upstream.Written;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(stalled, upstream.Written);
        Assert.True(stalled < bound, $"the upstream wrote {stalled} bytes to a client that reads nothing (the sockets hold at most {bound})");

        Assert.Equal(total, await BulkUpstream.ReadPatternToEndAsync(client, TimeSpan.FromSeconds(60)));
        Assert.True(client.CloseNotifyReceived, "the stream did not end with close_notify");
    }

    [Fact]
    public async Task An_upstream_that_resets_mid_reply_ends_the_clients_stream_without_close_notify()
    {
        await using var upstream = new BulkUpstream(1024 * 1024, replyAfterEndOfRequest: false, resetAfter: 200 * 1024);
        (ServeProcess serve, int port) = await ServeOnLoopsAsync(upstream);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");

        int received = await BulkUpstream.ReadPatternToEndAsync(client, TimeSpan.FromSeconds(30));

        Assert.True(received <= 200 * 1024, $"{received} bytes arrived of the 200 KiB sent before the reset");
        Assert.False(client.CloseNotifyReceived, "a reply cut short by the upstream's reset ended with close_notify, as if it were whole");
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_request_gets_the_whole_reply()
    {
        const int total = 4 * 1024 * 1024;
        await using var upstream = new BulkUpstream(total, replyAfterEndOfRequest: true);
        (ServeProcess serve, int port) = await ServeOnLoopsAsync(upstream);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");
        byte[] request = new byte[300 * 1024];
        Random.Shared.NextBytes(request);
        await client.WriteAsync(request);
        await client.ShutdownAsync(); // close_notify and a FIN: the upstream sees the end of the request, and answers

        Assert.Equal(total, await BulkUpstream.ReadPatternToEndAsync(client, TimeSpan.FromSeconds(60)));
        Assert.True(client.CloseNotifyReceived, "the stream did not end with close_notify");
        Assert.Equal(request, await upstream.Request.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    // The maximum of a net.ipv4 buffer sysctl ("min default max"), in bytes.
    private static long SocketBufferMax(string name) =>
        long.Parse(File.ReadAllText($"/proc/sys/net/ipv4/{name}").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[2],
            System.Globalization.CultureInfo.InvariantCulture);

    // `tlsgw serve` in front of `upstream`, its listener on the event loops (which it says).
    private static async Task<(ServeProcess Serve, int Port)> ServeOnLoopsAsync(LoopbackServer upstream)
    {
        int port = FreePort.Next();
        ServeProcess serve = await ServeProcess.StartAsync(ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]), port,
            expectedLine: "Listener 'public' runs its connections on the event loops");
        return (serve, port);
    }
}
