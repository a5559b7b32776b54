using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using static TlsGateway.Sds.Tests.Sds.SdsHarness;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>The CA going away and coming back, as the agent sees it.</summary>
public sealed class OutageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static AgentOptions ShortLived(int ttlSeconds) => AgentOptions.Default with
    {
        WorkloadTtl = TimeSpan.FromSeconds(ttlSeconds),
        RenewJitter = 0,
        RetryInitial = TimeSpan.FromMilliseconds(100),
        RetryCap = TimeSpan.FromMilliseconds(400),
        BundleRefresh = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task While_the_CA_is_unreachable_the_current_certificate_is_still_served_and_renewal_is_retried()
    {
        await using SdsHarness agent = await StartAsync(ShortLived(6));
        DiscoveryResponse first = await agent.Client.FetchSecretsAsync(Request(SecretNames.Default), deadline: DateTime.UtcNow + Wait);
        agent.Issuer.Down = true;
        int attemptsBefore = agent.Issuer.Attempts;

        await Task.Delay(TimeSpan.FromSeconds(4)); // past the renewal point (3 s), before expiry (6 s)
        DiscoveryResponse during = await agent.Client.FetchSecretsAsync(Request(SecretNames.Default), deadline: DateTime.UtcNow + Wait);

        Assert.Equal(first.VersionInfo, during.VersionInfo);
        Assert.True(agent.Issuer.Attempts - attemptsBefore >= 2, $"renewal was tried {agent.Issuer.Attempts - attemptsBefore} times");
    }

    [Fact]
    public async Task A_certificate_that_expires_while_the_CA_is_unreachable_is_withdrawn_not_served()
    {
        await using SdsHarness agent = await StartAsync(ShortLived(3));
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        using X509Certificate2 leaf = SecretAssert.LeafWithKey(SecretAssert.Secret(first, SecretNames.Default));
        agent.Issuer.Down = true;
        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default));

        RpcException ended = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stream.ResponseStream, Wait));

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("expired", ended.Status.Detail);
        Assert.True(DateTime.Now >= leaf.NotAfter.AddSeconds(-1), "withdrawn before the certificate expired");
    }

    [Fact]
    public async Task When_the_CA_returns_a_new_certificate_is_pushed()
    {
        // 8 s certificates: the renewal due at 4 s fails, the CA returns at 4.5 s, and the retry
        // (within half the remaining life) has seconds to spare on a loaded machine (4 s did not).
        await using SdsHarness agent = await StartAsync(ShortLived(8));
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default));
        agent.Issuer.Down = true;
        await Task.Delay(TimeSpan.FromSeconds(4.5));

        agent.Issuer.Down = false;
        DiscoveryResponse next = await NextAsync(stream.ResponseStream, Wait);

        Assert.NotEqual(first.VersionInfo, next.VersionInfo);
    }
}
