using TlsGateway.Config;
using static TlsGateway.Edge.Tests.Infrastructure.ConfigText;

namespace TlsGateway.Edge.Config.Tests;

/// <summary>
/// The checks that span several keys. They run inside <see cref="EdgeConfigReader.Read"/>, which
/// is how these tests reach them: that is also what gives their errors a line.
/// </summary>
public class EdgeConfigValidatorTests
{
    private const string TwoListeners =
        """
        edge:
          listeners:
            - name: public
              address: 127.0.0.1:8443
              filter_chains: [{ name: web, certificates: [{ cert: a.pem, key: a.key }], upstream: { endpoints: [127.0.0.1:8080] } }]
            - name: LISTENER2_NAME
              address: LISTENER2_ADDRESS
              filter_chains: [{ name: web, certificates: [{ cert: a.pem, key: a.key }], upstream: { endpoints: [127.0.0.1:8080] } }]
        """;

    private static string SecondListener(string name, string address) =>
        TwoListeners.Replace("LISTENER2_NAME", name, StringComparison.Ordinal).Replace("LISTENER2_ADDRESS", address, StringComparison.Ordinal);

    [Fact]
    public void Two_listeners_with_different_names_and_addresses_are_accepted()
    {
        EdgeConfig config = Read(SecondListener("internal", "127.0.0.1:9443"));

        Assert.Equal(2, config.Listeners.Count);
    }

    [Fact]
    public void A_listener_name_used_twice_is_rejected_at_the_second_name()
    {
        string yaml = SecondListener("public", "127.0.0.1:9443");

        AssertRejected(yaml, LineOf(yaml, "127.0.0.1:9443") - 1, "edge.listeners[1].name", "listener name 'public' is used twice");
    }

    [Fact]
    public void An_address_used_by_two_listeners_is_rejected_at_the_second_address()
    {
        string yaml = SecondListener("internal", "127.0.0.1:8443");

        AssertRejected(yaml, LineOf(yaml, "- name: internal") + 1, "edge.listeners[1].address", "address 127.0.0.1:8443 is used by two listeners");
    }

    [Fact]
    public void An_empty_listener_list_is_rejected()
    {
        AssertRejected("edge:\n  listeners: []\n", "listeners:", "edge.listeners", "at least one listener is required");
    }

    [Fact]
    public void A_listener_without_filter_chains_is_rejected()
    {
        string yaml = Listener("").Replace("filter_chains:", "filter_chains: []", StringComparison.Ordinal);

        AssertRejected(yaml, "filter_chains:", "edge.listeners[0].filter_chains", "at least one filter chain");
    }

    [Fact]
    public void A_chain_name_used_twice_in_a_listener_is_rejected_at_the_second_name()
    {
        string yaml = Listener(Chain("web", "          server_names: [a.example.com]") + Chain("web", "          server_names: [b.example.com]"));

        AssertRejected(yaml, LineOf(yaml, "b.example.com") - 3, "edge.listeners[0].filter_chains[1].name", "filter chain name 'web' is used twice in listener 'public'");
    }

    [Fact]
    public void The_same_chain_name_in_two_listeners_is_accepted()
    {
        EdgeConfig config = Read(SecondListener("internal", "127.0.0.1:9443"));

        Assert.All(config.Listeners, l => Assert.Equal("web", l.FilterChains[0].Name));
    }

    [Fact]
    public void A_second_chain_without_server_names_is_rejected()
    {
        string yaml = Listener(Chain("first") + Chain("second"));

        // Cited at the chain that has no server_names (the key itself is absent, so it has no line).
        AssertRejected(yaml, "- name: second", "edge.listeners[0].filter_chains[1]", "only one filter chain per listener may omit server_names");
    }

    [Fact]
    public void One_default_chain_beside_named_chains_is_accepted()
    {
        string yaml = Listener(Chain("api", "          server_names: [api.example.com, \"*.apps.example.com\"]") + Chain("default"));

        EdgeConfig config = Read(yaml);

        Assert.Equal(["api", "default"], config.Listeners[0].FilterChains.Select(c => c.Name));
    }

    [Theory]
    [InlineData("a.*.com")]
    [InlineData("*")]
    [InlineData("*.*.example.com")]
    [InlineData("api*.example.com")]
    public void A_wildcard_that_is_not_a_whole_left_most_label_is_rejected(string name)
    {
        string yaml = Listener(Chain("web", $"          server_names: [ok.example.com, \"{name}\"]"));

        ConfigException error = AssertRejected(yaml, "server_names:", "edge.listeners[0].filter_chains[0].server_names[1]", $"server name '{name}' is not");

        Assert.Contains("*.domain", error.Message);
    }

    [Fact]
    public void A_server_name_claimed_by_two_chains_is_rejected()
    {
        string yaml = Listener(Chain("one", "          server_names: [api.example.com]") + Chain("two", "          server_names: [other.example.com, API.example.com]"));

        AssertRejected(yaml, "other.example.com", "edge.listeners[0].filter_chains[1].server_names[1]", "claimed by more than one entry");
    }

    [Theory]
    [InlineData("required")]
    [InlineData("optional")]
    public void Client_auth_that_asks_for_certificates_without_a_trust_bundle_is_rejected(string mode)
    {
        string yaml = Listener(Chain("web", $"          client_auth: {{ mode: {mode} }}"));

        // Cited at the client_auth mapping, since the missing trust_bundle has no line of its own.
        AssertRejected(yaml, "client_auth:", "edge.listeners[0].filter_chains[0].client_auth", $"client_auth mode '{mode}' needs a trust_bundle");
    }

    [Fact]
    public void A_crl_while_client_auth_is_off_is_rejected()
    {
        string yaml = Listener(Chain("web", "          client_auth: { mode: off, crl: clients.crl }"));

        AssertRejected(yaml, "client_auth:", "edge.listeners[0].filter_chains[0].client_auth.crl", "a crl has no effect while client_auth mode is off");
    }

    [Fact]
    public void Allowed_spiffe_ids_while_client_auth_is_off_are_rejected()
    {
        string yaml = Listener(Chain("web", "          client_auth: { mode: off, allowed_spiffe_ids: [spiffe://example.org/a] }"));

        AssertRejected(yaml, "client_auth:", "edge.listeners[0].filter_chains[0].client_auth.mode", "allowed_* lists have no effect while client_auth mode is off");
    }

    [Theory]
    [InlineData("example.org/ns/a")]
    [InlineData("spiffe://")]
    [InlineData("SPIFFE://example.org/a")]
    public void An_allowed_spiffe_id_that_is_not_a_spiffe_uri_is_rejected(string id)
    {
        string yaml = Listener(Chain("web", $"          client_auth: {{ mode: required, trust_bundle: ca.pem, allowed_spiffe_ids: [spiffe://example.org/a, \"{id}\"] }}"));

        AssertRejected(yaml, "client_auth:", "edge.listeners[0].filter_chains[0].client_auth.allowed_spiffe_ids", $"'{id}' is not a SPIFFE ID");
    }

    [Fact]
    public void Required_client_auth_with_a_bundle_and_allow_lists_is_accepted()
    {
        string yaml = Listener(Chain("web", "          client_auth: { mode: required, trust_bundle: ca.pem, allowed_spiffe_ids: [spiffe://example.org/a], allowed_dns_names: [b.example.org] }"));

        ClientAuthConfig auth = Read(yaml).Listeners[0].FilterChains[0].ClientAuth;

        Assert.Equal(["spiffe://example.org/a"], auth.AllowedSpiffeIds);
        Assert.Equal(["b.example.org"], auth.AllowedDnsNames);
    }

    [Theory]
    [InlineData("min_version", "1.1", "minimum is 1.2")]
    [InlineData("min_version", "1.0", "minimum is 1.2")]
    [InlineData("max_version", "1.4", "unknown TLS version '1.4'")]
    public void A_tls_version_other_than_1_2_or_1_3_is_rejected(string key, string version, string reason)
    {
        string yaml = Listener(Chain("web", $"          tls: {{ {key}: \"{version}\" }}"));

        AssertRejected(yaml, "tls:", $"edge.listeners[0].filter_chains[0].tls.{key}", reason);
    }

    [Fact]
    public void A_bad_tls_version_for_the_upstream_is_rejected_at_its_key()
    {
        string yaml = Listener(Chain("web", upstream:
            "{ endpoints: [127.0.0.1:8080], tls: { trust_bundle: ca.pem, server_name: api.internal, profile: { max_version: \"1.1\" } } }"));

        AssertRejected(yaml, "tls:", "edge.listeners[0].filter_chains[0].upstream.tls.profile.max_version", "minimum is 1.2");
    }

    [Theory]
    [InlineData("1.2")]
    [InlineData("TLSv1.3")]
    public void Tls_versions_1_2_and_1_3_are_accepted_as_written(string version)
    {
        string yaml = Listener(Chain("web", $"          tls: {{ min_version: \"{version}\" }}"));

        Assert.Equal(version, Read(yaml).Listeners[0].FilterChains[0].Tls.MinVersion);
    }

    [Fact]
    public void A_chain_without_certificates_is_rejected()
    {
        string yaml = Listener(
            """
                    - name: web
                      certificates: []
                      upstream: { endpoints: [127.0.0.1:8080] }
            """);

        AssertRejected(yaml, "certificates:", "edge.listeners[0].filter_chains[0].certificates", "at least one certificate is required");
    }

    [Fact]
    public void An_upstream_without_endpoints_is_rejected()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [] }"));

        AssertRejected(yaml, "endpoints:", "edge.listeners[0].filter_chains[0].upstream.endpoints", "at least one endpoint is required");
    }

    [Fact]
    public void One_server_name_may_have_several_chains_told_apart_by_match_alpn()
    {
        string yaml = Listener(
            Chain("h2", "          server_names: [api.example.com]\n          match_alpn: [h2]")
            + Chain("rest", "          server_names: [api.example.com]"));

        EdgeConfig config = Read(yaml);

        Assert.Equal(["h2"], config.Listeners[0].FilterChains[0].MatchAlpn);
        Assert.Empty(config.Listeners[0].FilterChains[1].MatchAlpn!);
    }

    [Fact]
    public void Chains_for_one_name_with_overlapping_match_alpn_are_rejected()
    {
        string yaml = Listener(
            Chain("a", "          server_names: [api.example.com]\n          match_alpn: [h2, http/1.1]")
            + Chain("b", "          server_names: [api.example.com]\n          match_alpn: [h2]"));

        Assert.Contains("tell them apart with match_alpn", Assert.Throws<ConfigException>(() => Read(yaml)).Message);
    }
}
