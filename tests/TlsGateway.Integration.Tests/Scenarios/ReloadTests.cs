using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Certificates replaced at run time: new connections get the new one, established ones are untouched.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task A_new_certificate_serves_new_connections_while_an_open_one_finishes_on_the_old()
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        using TlsServerContext before = ServerFactory.Single("default", tickets: ring);
        using TlsServerContext after = ServerFactory.Single("other", tickets: ring);
        await using var server = new EchoServer(before) { HoldReplies = new TaskCompletionSource() };

        Task<SClientResult> open = OpenSslClient.ConnectAsync(server.Address, "default.test", line: "before");
        await Eventually.EqualAsync(1L, () => server.Stats.Completed);
        server.Listener.Context = after;
        TaskCompletionSource held = server.HoldReplies;
        server.HoldReplies = null;
        SClientResult fresh = await OpenSslClient.ConnectAsync(server.Address, "other.test", line: "after");
        held.SetResult();
        SClientResult old = await open;

        Assert.Equal("CN = default.test", old.Subject);
        Assert.True(old.Echoed("before"), old.Output);
        Assert.Equal("CN = other.test", fresh.Subject);
        Assert.True(fresh.Echoed("after"), fresh.Output);
    }

    [Fact]
    public async Task A_replaced_snapshot_is_released_only_after_its_last_connection_ends()
    {
        using TlsServerContext first = ServerFactory.Single("default");
        using TlsServerContext second = ServerFactory.Single("other");
        await using var server = new EchoServer(first) { HoldReplies = new TaskCompletionSource() };
        int released = 0;
        server.Rebind(first, () => Interlocked.Increment(ref released));

        Task<SClientResult> open = OpenSslClient.ConnectAsync(server.Address, "default.test", line: "held");
        await Eventually.EqualAsync(1L, () => server.Stats.Completed);
        TaskCompletionSource hold = server.HoldReplies;
        server.HoldReplies = null;
        server.Rebind(second);
        await Task.Delay(200);
        int whileOpen = Volatile.Read(ref released);
        hold.SetResult();
        SClientResult finished = await open;

        Assert.Equal(0, whileOpen);
        Assert.True(finished.Echoed("held"), finished.Output);
        await Eventually.EqualAsync(1, () => Volatile.Read(ref released));
    }
}
