using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using static TlsGateway.Sds.Tests.Sds.SdsHarness;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class DeltaAndFetchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static DeltaDiscoveryRequest Subscribe(params string[] names)
    {
        var request = new DeltaDiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl };
        request.ResourceNamesSubscribe.AddRange(names);
        return request;
    }

    [Fact]
    public async Task A_delta_stream_gets_each_subscribed_secret_once_with_its_version()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.DeltaSecrets();
        await stream.RequestStream.WriteAsync(Subscribe(SecretNames.Default, SecretNames.RootCa));

        var received = new Dictionary<string, string>();
        while (received.Count < 2)
        {
            DeltaDiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);
            foreach (Resource resource in response.Resources)
            {
                Assert.Equal(resource.Name, SecretAssert.Secret(resource.Resource_).Name);
                received.Add(resource.Name, resource.Version); // Add: a repeat would throw
            }

            await stream.RequestStream.WriteAsync(new DeltaDiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl, ResponseNonce = response.Nonce });
        }

        Assert.True(await StaysQuietAsync(stream.ResponseStream, TimeSpan.FromSeconds(1)));
        Assert.Equal([SecretNames.Default, SecretNames.RootCa], received.Keys.Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public async Task A_reconnecting_delta_client_is_not_sent_a_version_it_already_has()
    {
        await using SdsHarness agent = await StartAsync();
        string rootVersion = agent.Catalog.Bundle.Cell.Current!.Version;
        using var stream = agent.Client.DeltaSecrets();
        DeltaDiscoveryRequest request = Subscribe(SecretNames.RootCa, SecretNames.Default);
        request.InitialResourceVersions.Add(SecretNames.RootCa, rootVersion);
        await stream.RequestStream.WriteAsync(request);

        DeltaDiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);

        Assert.Equal([SecretNames.Default], response.Resources.Select(r => r.Name));
    }

    [Fact]
    public async Task A_delta_renewal_carries_only_the_changed_secret()
    {
        await using SdsHarness agent = await StartAsync(AgentOptions.Default with
        {
            WorkloadTtl = TimeSpan.FromSeconds(4), RenewJitter = 0, BundleRefresh = TimeSpan.FromMilliseconds(200), RetryInitial = TimeSpan.FromMilliseconds(100),
        });
        using var stream = agent.Client.DeltaSecrets();
        await stream.RequestStream.WriteAsync(Subscribe(SecretNames.Default, SecretNames.RootCa));
        int seen = 0;
        while (seen < 2)
        {
            DeltaDiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);
            seen += response.Resources.Count;
            await stream.RequestStream.WriteAsync(new DeltaDiscoveryRequest { ResponseNonce = response.Nonce });
        }

        DeltaDiscoveryResponse renewal = await NextAsync(stream.ResponseStream, Wait);

        Assert.Equal([SecretNames.Default], renewal.Resources.Select(r => r.Name));
    }

    [Fact]
    public async Task Unsubscribing_stops_pushes_for_that_secret()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.DeltaSecrets();
        await stream.RequestStream.WriteAsync(Subscribe(SecretNames.SessionTicketKeys));
        DeltaDiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        var unsubscribe = new DeltaDiscoveryRequest { ResponseNonce = first.Nonce };
        unsubscribe.ResourceNamesUnsubscribe.Add(SecretNames.SessionTicketKeys);
        await stream.RequestStream.WriteAsync(unsubscribe);
        await Task.Delay(200);

        agent.TicketKeys.Rotate();

        Assert.True(await StaysQuietAsync(stream.ResponseStream, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task FetchSecrets_waits_for_the_first_certificate_and_returns_it()
    {
        await using SdsHarness agent = await StartAsync();

        DiscoveryResponse response = await agent.Client.FetchSecretsAsync(Request(SecretNames.Default, SecretNames.RootCa),
            deadline: DateTime.UtcNow + Wait);

        using X509Certificate2 leaf = SecretAssert.LeafWithKey(SecretAssert.Secret(response, SecretNames.Default));
        Assert.Equal(OwnIdentity, SecretAssert.UriSan(leaf));
        Assert.Contains("ROOTCA=", response.VersionInfo);
    }

    [Fact]
    public async Task FetchSecrets_with_no_names_is_refused_as_invalid()
    {
        await using SdsHarness agent = await StartAsync();

        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () => await agent.Client.FetchSecretsAsync(Request()));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }
}
