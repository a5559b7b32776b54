using System.Net;

namespace TlsGateway.Edge.Tests;

public class UpstreamEndpointTests
{
    [Fact]
    public void A_new_endpoint_has_no_connections_no_failures_and_is_not_ejected()
    {
        var endpoint = new UpstreamEndpoint(new DnsEndPoint("backend.internal", 8080));

        Assert.Equal(new DnsEndPoint("backend.internal", 8080), endpoint.Address);
        Assert.Equal(0, endpoint.Active);
        Assert.Equal(0, endpoint.ConnectFailures);
        Assert.Equal(0, endpoint.Ejections);
        Assert.False(endpoint.IsEjected(Environment.TickCount64));
    }

    [Fact]
    public void Acquire_and_release_count_active_connections_across_threads()
    {
        var endpoint = new UpstreamEndpoint(new IPEndPoint(IPAddress.Loopback, 8080));

        Parallel.For(0, 1_000, _ => endpoint.Acquire());
        Assert.Equal(1_000, endpoint.Active);
        Parallel.For(0, 400, _ => endpoint.Release());

        Assert.Equal(600, endpoint.Active);
    }
}
