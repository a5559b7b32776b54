namespace TlsGateway.Tls.Tests;

public class SpiffeAuthorizerTests
{
    private static readonly PeerIdentity s_web = new(
        "spiffe://example.org/ns/prod/sa/web", ["web.example.org"], ["spiffe://example.org/ns/prod/sa/web"], "CN=web", DateTimeOffset.UtcNow.AddDays(1));

    private static readonly PeerIdentity s_noSpiffe = new(null, ["legacy.example.net"], [], "CN=legacy", DateTimeOffset.UtcNow.AddDays(1));

    [Fact]
    public void With_every_list_empty_any_verified_peer_is_allowed()
    {
        var authorizer = new SpiffeAuthorizer();

        Assert.True(authorizer.Authorize(s_web).Allowed);
        Assert.True(authorizer.Authorize(s_noSpiffe).Allowed);
    }

    [Fact]
    public void A_listed_spiffe_id_is_allowed()
    {
        var authorizer = new SpiffeAuthorizer(spiffeIds: ["spiffe://example.org/ns/prod/sa/web"]);

        Assert.True(authorizer.Authorize(s_web).Allowed);
    }

    [Fact]
    public void Spiffe_ids_are_compared_exactly()
    {
        var authorizer = new SpiffeAuthorizer(spiffeIds: ["spiffe://example.org/ns/prod/sa/WEB"]);

        Assert.False(authorizer.Authorize(s_web).Allowed);
    }

    [Fact]
    public void A_listed_trust_domain_allows_every_id_in_it()
    {
        var authorizer = new SpiffeAuthorizer(trustDomains: ["Example.ORG"]);

        Assert.True(authorizer.Authorize(s_web).Allowed);
    }

    [Fact]
    public void A_listed_dns_name_is_allowed_even_without_a_spiffe_id()
    {
        var authorizer = new SpiffeAuthorizer(dnsNames: ["LEGACY.example.net"]);

        Assert.True(authorizer.Authorize(s_noSpiffe).Allowed);
    }

    [Fact]
    public void An_unlisted_peer_is_denied_with_a_reason_naming_its_spiffe_id()
    {
        var authorizer = new SpiffeAuthorizer(spiffeIds: ["spiffe://example.org/other"], trustDomains: ["other.org"], dnsNames: ["other.example.org"]);

        AuthorizationDecision decision = authorizer.Authorize(s_web);

        Assert.False(decision.Allowed);
        Assert.Contains("spiffe://example.org/ns/prod/sa/web", decision.Reason);
    }

    [Fact]
    public void An_unlisted_peer_without_a_spiffe_id_is_denied_with_a_reason_naming_its_subject()
    {
        var authorizer = new SpiffeAuthorizer(trustDomains: ["example.org"]);

        AuthorizationDecision decision = authorizer.Authorize(s_noSpiffe);

        Assert.False(decision.Allowed);
        Assert.Contains("CN=legacy", decision.Reason);
    }
}
