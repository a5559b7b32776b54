using Grpc.Core;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>The ImpersonatedIdentity metadata field: node agents may ask for workloads of their trust domain; nobody else may.</summary>
public sealed class ImpersonationTests : IAsyncLifetime
{
    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_node_agent_gets_a_workload_certificate_and_the_audit_names_the_agent_as_actor()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Agent, "agent");
        using var agent = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        IssuedChain issued = await agent.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Empty(SvidChecker.Check(leaf, Workloads.Web.ToString()));
        AuditEvent audit = (await _server.Ca.ReadAuditAsync()).Last(e => e.Kind == AuditKinds.Issue);
        Assert.Equal(Workloads.Agent.ToString(), audit.Actor);
        Assert.StartsWith(Workloads.Web.ToString(), audit.Detail);
    }

    [Fact]
    public async Task A_workload_that_is_not_a_node_agent_may_not_impersonate()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        using var web = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));
        SpiffeId admin = TestCa.Workload("admin", "shop");

        await Outcomes.RefusedAsync(web.IssueAsync(Workloads.Request(admin), CancellationToken.None), StatusCode.PermissionDenied,
            $"{Workloads.Web} is not a node agent and may not request {admin}");
    }

    [Fact]
    public async Task A_node_agent_enrolled_by_token_may_impersonate_too_because_the_token_is_its_identity()
    {
        string token = await _server.CreateTokenAsync(Workloads.Agent);
        using var agent = new IstioCaClient(_server.ClientOptions(token) with { Identity = Workloads.Agent });

        IssuedChain issued = await agent.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        Assert.Equal(2, issued.Chain.Count);
    }

    [Fact]
    public async Task A_node_agent_may_not_ask_for_an_identity_of_another_trust_domain()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Agent, "agent");
        using var agent = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));
        SpiffeId foreign = SpiffeId.Parse("spiffe://other.org/ns/shop/sa/web");

        await Outcomes.RefusedAsync(agent.IssueAsync(Workloads.Request(foreign), CancellationToken.None), StatusCode.PermissionDenied, "another trust domain");
    }

    [Fact]
    public async Task Node_agent_prefixes_are_configurable_and_the_default_prefix_then_no_longer_counts()
    {
        await using IstioCaTestServer server = await IstioCaTestServer.StartAsync(new IstioCaOptions { NodeAgentPathPrefixes = ["/ztunnel/"] });
        SpiffeId ztunnel = SpiffeId.Parse($"spiffe://{TestCa.TrustDomain}/ztunnel/node-7");
        (string zCert, string zKey, _) = await server.WriteClientCredentialsAsync(ztunnel, "ztunnel");
        (string aCert, string aKey, _) = await server.WriteClientCredentialsAsync(Workloads.Agent, "agent");
        using var allowed = new IstioCaClient(server.ClientOptions(credentials: (zCert, zKey)));
        using var refused = new IstioCaClient(server.ClientOptions(credentials: (aCert, aKey)));

        IssuedChain issued = await allowed.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);
        await Outcomes.RefusedAsync(refused.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.PermissionDenied, "not a node agent");

        Assert.Equal(2, issued.Chain.Count);
    }
}
