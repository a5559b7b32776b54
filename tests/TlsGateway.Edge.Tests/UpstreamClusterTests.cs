using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Edge.Config;
using TlsGateway.Edge.Tests.Infrastructure;

namespace TlsGateway.Edge.Tests;

/// <summary>Balancing and passive health over real loopback sockets: live listeners and refused ports.</summary>
public sealed class UpstreamClusterTests : IDisposable
{
    private readonly LoopbackUpstream _first = new();
    private readonly LoopbackUpstream _second = new();

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    // Refused connects fail at once, so this only bounds a stall. It is generous because a loaded test
    // machine has been seen to pause a loopback connect for most of a second, and a timeout there would
    // count as a failure of a live endpoint.
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(5);

    private static UpstreamCluster Cluster(LoadBalancing balance, int ejectAfterFailures, params EndPoint[] endpoints) =>
        new("web", new UpstreamConfig(endpoints, balance, s_connectTimeout, ejectAfterFailures, TimeSpan.FromMinutes(1), ProxyProtocol: false), NullLogger.Instance);

    /// <summary>Connects, checks the endpoint it reports is the listener that really accepted, and returns that endpoint.</summary>
    private async Task<UpstreamEndpoint> ConnectAndAcceptAsync(UpstreamCluster cluster)
    {
        (Socket socket, UpstreamEndpoint endpoint) = Assert.NotNull(await cluster.ConnectAsync(CancellationToken.None));
        using (socket)
        {
            LoopbackUpstream accepting = endpoint.Address.Equals(_first.Address) ? _first : _second;
            Assert.Equal(accepting.Address, endpoint.Address);
            Assert.Equal(socket.LocalEndPoint, await accepting.AcceptAsync());
            return endpoint;
        }
    }

    [Fact]
    public async Task Round_robin_alternates_between_two_live_endpoints()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 3, _first.Address, _second.Address);

        var picked = new List<EndPoint>();
        for (int i = 0; i < 6; i++)
        {
            picked.Add((await ConnectAndAcceptAsync(cluster)).Address);
        }

        for (int i = 1; i < picked.Count; i++)
        {
            Assert.NotEqual(picked[i - 1], picked[i]);
        }

        Assert.Equal(3, picked.Count(p => p.Equals(_first.Address)));
    }

    [Fact]
    public async Task A_dead_endpoint_is_skipped_and_the_live_one_answers_every_time()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 100, LoopbackUpstream.ClosedAddress(), _first.Address);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(_first.Address, (await ConnectAndAcceptAsync(cluster)).Address);
        }

        UpstreamEndpoint dead = cluster.Endpoints[0];
        Assert.InRange(dead.ConnectFailures, 1, 4);
        Assert.Equal(0, dead.Ejections);
    }

    [Fact]
    public async Task An_endpoint_is_ejected_after_the_configured_consecutive_failures_and_then_tried_last()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 2, LoopbackUpstream.ClosedAddress(), _first.Address);
        UpstreamEndpoint dead = cluster.Endpoints[0];

        for (int i = 0; i < 8 && dead.ConnectFailures < 2; i++)
        {
            await ConnectAndAcceptAsync(cluster);
        }

        Assert.Equal(2, dead.ConnectFailures);
        Assert.Equal(1, dead.Ejections);
        Assert.True(dead.IsEjected(Environment.TickCount64));
        Assert.False(cluster.Endpoints[1].IsEjected(Environment.TickCount64));

        // Ejected endpoints come after every healthy one, so the live endpoint answers before the dead one is tried again.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(_first.Address, (await ConnectAndAcceptAsync(cluster)).Address);
        }

        Assert.Equal(2, dead.ConnectFailures);
    }

    [Fact]
    public async Task When_every_endpoint_is_dead_connect_returns_null_after_trying_each_once()
    {
        EndPoint[] dead = [LoopbackUpstream.ClosedAddress(), LoopbackUpstream.ClosedAddress()];
        var cluster = new UpstreamCluster("web", new UpstreamConfig(dead, LoadBalancing.RoundRobin, TimeSpan.FromSeconds(1), 3, TimeSpan.FromMinutes(1), false), NullLogger.Instance);

        // Two endpoints at one connect timeout each at worst: the bound only catches a hang.
        Assert.Null(await cluster.ConnectAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.All(cluster.Endpoints, e => Assert.Equal(1, e.ConnectFailures));
    }

    [Fact]
    public async Task An_ejected_endpoint_is_still_tried_when_no_healthy_endpoint_is_left()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var address = (IPEndPoint)socket.LocalEndPoint!;
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 1, address);

        // Bound but not listening: refused, and with a threshold of one, ejected.
        Assert.Null(await cluster.ConnectAsync(CancellationToken.None));
        Assert.True(cluster.Endpoints[0].IsEjected(Environment.TickCount64));

        socket.Listen();
        (Socket connected, UpstreamEndpoint endpoint) = Assert.NotNull(await cluster.ConnectAsync(CancellationToken.None));
        using (connected)
        {
            Assert.Same(cluster.Endpoints[0], endpoint);
        }
    }

    [Fact]
    public async Task A_success_resets_the_consecutive_failure_count()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 2, socket.LocalEndPoint!);
        UpstreamEndpoint endpoint = cluster.Endpoints[0];

        Assert.Null(await cluster.ConnectAsync(CancellationToken.None));
        socket.Listen();
        (Socket connected, _) = Assert.NotNull(await cluster.ConnectAsync(CancellationToken.None));
        connected.Dispose();
        socket.Close();
        Assert.Null(await cluster.ConnectAsync(CancellationToken.None));

        Assert.Equal(2, endpoint.ConnectFailures);
        Assert.Equal(0, endpoint.Ejections);
    }

    [Fact]
    public async Task Least_connections_prefers_the_endpoint_with_fewer_active_connections()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.LeastConnections, 3, _first.Address, _second.Address);
        UpstreamEndpoint first = cluster.Endpoints[0];
        UpstreamEndpoint second = cluster.Endpoints[1];

        first.Acquire();
        first.Acquire();
        Assert.Same(second, await ConnectAndAcceptAsync(cluster));
        Assert.Same(second, await ConnectAndAcceptAsync(cluster));

        second.Acquire();
        second.Acquire();
        second.Acquire();
        Assert.Same(first, await ConnectAndAcceptAsync(cluster));
    }

    [Fact]
    public async Task A_host_name_endpoint_is_resolved_at_connect_time()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 3, new DnsEndPoint("localhost", _first.Address.Port));

        (Socket socket, UpstreamEndpoint endpoint) = Assert.NotNull(await cluster.ConnectAsync(CancellationToken.None));
        using (socket)
        {
            Assert.IsType<DnsEndPoint>(endpoint.Address);
            await _first.AcceptAsync();
        }
    }

    [Fact]
    public async Task A_cancelled_connect_throws_and_is_not_counted_against_the_endpoint()
    {
        UpstreamCluster cluster = Cluster(LoadBalancing.RoundRobin, 1, _first.Address);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cluster.ConnectAsync(cancelled.Token));

        Assert.Equal(0, cluster.Endpoints[0].ConnectFailures);
        Assert.False(cluster.Endpoints[0].IsEjected(Environment.TickCount64));
    }
}
