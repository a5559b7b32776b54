using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Storage;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>Enrolment with one-time bootstrap tokens over the real Istio CA API (Kestrel + Grpc.Net.Client).</summary>
public sealed class BootstrapTokenEnrolmentTests : IAsyncLifetime
{
    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_token_enrols_its_identity_once_and_a_second_use_is_refused_as_already_used()
    {
        string token = await _server.CreateTokenAsync(Workloads.Web);
        using var first = new IstioCaClient(_server.ClientOptions(token));
        using var second = new IstioCaClient(_server.ClientOptions(token));

        IssuedChain issued = await first.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);
        IdentityIssuerException refused = await Outcomes.RefusedAsync(
            second.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "bootstrap token already used");

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Empty(SvidChecker.Check(leaf, Workloads.Web.ToString()));
        Assert.False(refused.Retryable);
        Assert.DoesNotContain(token, refused.Message);
        IReadOnlyList<AuditEvent> audit = await _server.Ca.ReadAuditAsync();
        Assert.Equal([AuditKinds.TokenCreate, AuditKinds.TokenUse, AuditKinds.Issue, AuditKinds.TokenDeny],
            audit.Where(e => e.Kind.StartsWith("token-", StringComparison.Ordinal) || e.Kind == AuditKinds.Issue).Select(e => e.Kind).Skip(1));
        Assert.All(audit, e => Assert.DoesNotContain(token, e.Detail + e.Subject + e.Actor));
        Assert.All(audit, e => Assert.DoesNotContain(BootstrapTokens.Hash(token), e.Detail + e.Subject + e.Actor));
    }

    [Fact]
    public async Task An_expired_token_is_refused_as_expired_and_stays_unused()
    {
        var past = new ManualTimeProvider(_server.Ca.Time.GetUtcNow().AddHours(-2));
        (string token, _) = await BootstrapTokens.CreateAsync(_server.Ca.Authority, Workloads.Web, TimeSpan.FromHours(1), TestCa.Operator, past);
        using var client = new IstioCaClient(_server.ClientOptions(token));

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "bootstrap token expired");

        Assert.Null(Assert.Single(await _server.Ca.Store.ListBootstrapTokensAsync()).UsedAt);
    }

    [Fact]
    public async Task An_unknown_token_is_refused_as_unknown()
    {
        using var client = new IstioCaClient(_server.ClientOptions(BootstrapTokens.Generate()));

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "unknown bootstrap token");
    }

    [Fact]
    public async Task A_caller_with_neither_certificate_nor_token_is_unauthenticated_and_nothing_is_issued()
    {
        using var client = new IstioCaClient(_server.ClientOptions());

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "no credentials");

        Assert.Empty(await _server.Ca.Store.ListCertificatesAsync(new CertificateQuery(SpiffeId: Workloads.Web.ToString())));
    }

    [Fact]
    public async Task A_token_caller_gets_the_token_identity_even_when_its_CSR_names_another_which_the_CA_refuses()
    {
        string token = await _server.CreateTokenAsync(Workloads.Web);
        using var client = new IstioCaClient(_server.ClientOptions(token));

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web, csrUri: "spiffe://example.org/ns/shop/sa/admin"), CancellationToken.None),
            StatusCode.PermissionDenied, "IdentityMismatch");

        Assert.Empty(await _server.Ca.Store.ListCertificatesAsync(new CertificateQuery()).ContinueWith(t => t.Result.Where(c => c.SpiffeId.EndsWith("/admin", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Tokens_are_generated_with_the_prefix_and_256_random_bits_and_differ_every_time()
    {
        string[] tokens = [.. Enumerable.Range(0, 50).Select(_ => BootstrapTokens.Generate())];

        Assert.All(tokens, t => Assert.Matches("^tlsgw-bt-[A-Za-z0-9_-]{43}$", t));
        Assert.Equal(tokens.Length, tokens.Distinct().Count());
        Assert.Equal(64, BootstrapTokens.Hash(tokens[0]).Length);
    }
}
