using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using RpcStatus = TlsGateway.Grpc.Rpc.Status;
using static TlsGateway.Sds.Tests.Sds.SdsHarness;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class StreamSecretsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_caller_gets_its_own_identity_with_a_key_that_matches_the_certificate()
    {
        await using SdsHarness agent = await StartAsync();
        using AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));

        DiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);

        using X509Certificate2 leaf = SecretAssert.LeafWithKey(SecretAssert.Secret(response, SecretNames.Default));
        Assert.Equal(OwnIdentity, SecretAssert.UriSan(leaf));
        Assert.NotEmpty(response.Nonce);
        Assert.Equal(SecretNames.SecretTypeUrl, response.TypeUrl);
    }

    [Fact]
    public async Task ROOTCA_holds_every_root_the_CA_trusts()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.RootCa));

        DiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);

        string pem = SecretAssert.Secret(response, SecretNames.RootCa).ValidationContext.TrustedCa.InlineBytes.ToStringUtf8();
        var served = new X509Certificate2Collection();
        served.ImportFromPem(pem);
        Assert.Equal(agent.Authority.State.TrustedRoots.Select(Convert.ToHexString), served.Select(c => Convert.ToHexString(c.RawData)));
    }

    [Fact]
    public async Task An_acknowledged_version_is_not_sent_again_but_a_renewal_is_pushed()
    {
        await using SdsHarness agent = await StartAsync(AgentOptions.Default with { WorkloadTtl = TimeSpan.FromSeconds(4), RenewJitter = 0 });
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default));

        DiscoveryResponse renewed = await NextAsync(stream.ResponseStream, Wait);

        Assert.NotEqual(first.VersionInfo, renewed.VersionInfo);
        Assert.NotEqual(first.Nonce, renewed.Nonce);
        using X509Certificate2 before = SecretAssert.LeafWithKey(SecretAssert.Secret(first, SecretNames.Default));
        using X509Certificate2 after = SecretAssert.LeafWithKey(SecretAssert.Secret(renewed, SecretNames.Default));
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.NotEqual(before.GetPublicKeyString(), after.GetPublicKeyString()); // a new key each time, not only a new certificate
        Assert.True(after.NotAfter > before.NotAfter);
    }

    [Fact]
    public async Task A_revoked_certificate_is_replaced_and_pushed_before_its_renewal_is_due()
    {
        await using SdsHarness agent = await StartAsync(); // 24 h certificates: renewal is a day away
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default));

        IReadOnlyList<string> revoked = await agent.Authority.RevokeAsync([first.VersionInfo], Storage.RevocationReason.KeyCompromise, Ca.CaCaller.ForOperator("sds-tests"));
        Assert.Equal([first.VersionInfo], revoked);
        DiscoveryResponse replaced = await NextAsync(stream.ResponseStream, Wait);

        Assert.NotEqual(first.VersionInfo, replaced.VersionInfo);
        Assert.Equal(Storage.CertificateStatus.Active, (await agent.Authority.Store.FindCertificateAsync(replaced.VersionInfo))!.Status);
    }

    [Fact]
    public async Task A_NACK_is_counted_and_the_rejected_version_is_not_resent()
    {
        await using SdsHarness agent = await StartAsync(AgentOptions.Default with { WorkloadTtl = TimeSpan.FromSeconds(6), RenewJitter = 0 });
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);

        DiscoveryRequest nack = Request(SecretNames.Default);
        nack.ResponseNonce = first.Nonce;
        nack.ErrorDetail = new RpcStatus { Code = 3, Message = "test: rejecting this certificate" };
        await stream.RequestStream.WriteAsync(nack);

        Assert.True(await StaysQuietAsync(stream.ResponseStream, TimeSpan.FromSeconds(1)));
        Assert.Equal(1, agent.Catalog.Stats.Nacks);
    }

    [Fact]
    public async Task After_a_NACK_the_next_renewal_still_arrives()
    {
        await using SdsHarness agent = await StartAsync(AgentOptions.Default with { WorkloadTtl = TimeSpan.FromSeconds(4), RenewJitter = 0 });
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        DiscoveryRequest nack = Request(SecretNames.Default);
        nack.ResponseNonce = first.Nonce;
        nack.ErrorDetail = new RpcStatus { Code = 3, Message = "rejected" };
        await stream.RequestStream.WriteAsync(nack);

        DiscoveryResponse next = await NextAsync(stream.ResponseStream, Wait);

        Assert.NotEqual(first.VersionInfo, next.VersionInfo);
    }

    [Fact]
    public async Task A_request_answering_an_old_nonce_is_ignored()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);
        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default));

        // A stale request that also changes the subscription: the xDS protocol says to drop it.
        DiscoveryRequest stale = Request(SecretNames.Default, SecretNames.RootCa);
        stale.ResponseNonce = "not-a-nonce-we-sent";
        await stream.RequestStream.WriteAsync(stale);

        Assert.True(await StaysQuietAsync(stream.ResponseStream, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Changing_the_subscription_is_answered_with_the_new_set()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        DiscoveryResponse first = await NextAsync(stream.ResponseStream, Wait);

        await stream.RequestStream.WriteAsync(Ack(first, SecretNames.Default, SecretNames.RootCa));
        DiscoveryResponse both = await NextAsync(stream.ResponseStream, Wait);

        Assert.Equal([SecretNames.Default, SecretNames.RootCa], both.Resources.Select(r => SecretAssert.Secret(r).Name));
    }

    [Fact]
    public async Task A_caller_no_rule_matches_is_refused_with_PERMISSION_DENIED()
    {
        // A policy for another uid only: this process is not a known workload.
        await using SdsHarness agent = await StartAsync(rules: [new WorkloadRule(4242, null, null, null, "spiffe://example.org/ns/x/sa/other", [])]);
        using var stream = agent.Client.StreamSecrets();
        try
        {
            await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
        }
        catch (RpcException)
        {
            // The agent knows the caller from its socket and may refuse before the request is
            // written; the write then fails as cancelled, and the status below says why.
        }

        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stream.ResponseStream, Wait));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("this caller has no SDS identity", refused.Status.Detail); // generic: the detail is for the operator's log
        Assert.DoesNotContain("uid", refused.Status.Detail);
    }

    [Fact]
    public async Task Session_ticket_keys_are_refused_to_a_caller_whose_rule_does_not_list_them()
    {
        uint uid = WorkloadPolicy.CurrentUid();
        await using SdsHarness agent = await StartAsync(rules: [new WorkloadRule(uid, null, null, null, "spiffe://example.org/ns/x/sa/{user}", [])]);
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.SessionTicketKeys));

        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stream.ResponseStream, Wait));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("session-ticket-keys", refused.Status.Detail);
    }

    [Fact]
    public async Task Session_ticket_keys_are_served_in_Envoy_format_to_a_caller_allowed_them()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.SessionTicketKeys));

        DiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);

        var keys = SecretAssert.Secret(response, SecretNames.SessionTicketKeys).SessionTicketKeys.Keys.Select(k => k.InlineBytes.ToByteArray()).ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Equal(80, k.Length));
        Assert.Equal(agent.TicketKeys.Keys.Select(Convert.ToHexString), keys.Select(Convert.ToHexString));
    }

    [Fact]
    public async Task A_ticket_key_rotation_is_pushed_with_the_announced_key_now_first()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request(SecretNames.SessionTicketKeys));
        DiscoveryResponse before = await NextAsync(stream.ResponseStream, Wait);
        await stream.RequestStream.WriteAsync(Ack(before, SecretNames.SessionTicketKeys));

        agent.TicketKeys.Rotate();
        DiscoveryResponse after = await NextAsync(stream.ResponseStream, Wait);

        var old = SecretAssert.Secret(before, SecretNames.SessionTicketKeys).SessionTicketKeys.Keys.Select(k => Convert.ToHexString(k.InlineBytes.ToByteArray())).ToList();
        var now = SecretAssert.Secret(after, SecretNames.SessionTicketKeys).SessionTicketKeys.Keys.Select(k => Convert.ToHexString(k.InlineBytes.ToByteArray())).ToList();
        Assert.Equal(old[1], now[0]); // the announced key encrypts now
        Assert.Equal(old[0], now[2]); // the previous one still decrypts
        Assert.DoesNotContain(now[1], old); // and a new one is announced
    }

    [Fact]
    public async Task An_open_stream_does_not_hold_up_the_server_stopping()
    {
        SdsHarness agent = await StartAsync();
        try
        {
            using var stream = agent.Client.StreamSecrets();
            await stream.RequestStream.WriteAsync(Request(SecretNames.Default));
            await NextAsync(stream.ResponseStream, Wait);
            var stopping = System.Diagnostics.Stopwatch.StartNew();

            await agent.StopServerAsync();

            Assert.True(stopping.Elapsed < SdsServer.ShutdownTimeout + TimeSpan.FromSeconds(2), $"stopping took {stopping.Elapsed}");
            // The stream is over: it ended, or the closing connection ended it (which of the two
            // the client sees first is a race between the trailers and the GOAWAY).
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                Assert.False(await stream.ResponseStream.MoveNext(bounded.Token));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Internal or StatusCode.Unavailable)
            {
            }
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_request_for_another_resource_type_is_refused_as_invalid()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        DiscoveryRequest request = Request(SecretNames.Default);
        request.TypeUrl = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
        await stream.RequestStream.WriteAsync(request);

        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stream.ResponseStream, Wait));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task An_unknown_secret_name_is_refused_by_name()
    {
        await using SdsHarness agent = await StartAsync();
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request("no-such-secret"));

        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => NextAsync(stream.ResponseStream, Wait));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("no-such-secret", refused.Status.Detail);
    }

    [Fact]
    public async Task A_named_certificate_carries_its_DNS_names_for_a_caller_allowed_it()
    {
        uint uid = WorkloadPolicy.CurrentUid();
        var named = new NamedCertificate("edge-web", Identity.SpiffeId.Parse("spiffe://example.org/ns/edge/sa/web"), ["web.example.org"]);
        await using SdsHarness agent = await StartAsync(rules: [new WorkloadRule(uid, null, null, null, "spiffe://example.org/ns/edge/sa/{user}", ["edge-web"])],
            named: [named]);
        using var stream = agent.Client.StreamSecrets();
        await stream.RequestStream.WriteAsync(Request("edge-web"));

        DiscoveryResponse response = await NextAsync(stream.ResponseStream, Wait);

        using X509Certificate2 leaf = SecretAssert.LeafWithKey(SecretAssert.Secret(response, "edge-web"));
        Assert.Equal(["web.example.org"], SecretAssert.DnsSans(leaf));
        Assert.Equal("spiffe://example.org/ns/edge/sa/web", SecretAssert.UriSan(leaf));
    }
}
