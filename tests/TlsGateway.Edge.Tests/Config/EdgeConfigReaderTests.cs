using TlsGateway.Config;
using System.Net;
using TlsGateway.Edge.Tests.Infrastructure;
using TlsGateway.Tls;
using static TlsGateway.Edge.Tests.Infrastructure.ConfigText;

namespace TlsGateway.Edge.Config.Tests;

public class EdgeConfigReaderTests
{
    internal const string FullConfig =
        """
        # Two listeners: a public one with every section written out, an admin one on defaults.
        edge:
          listeners:
            - name: public
              address: 0.0.0.0:443
              reject_unknown_server_names: true
              event_loops: false
              limits:
                max_connections: 2000
                handshake_timeout: 500ms
                idle_timeout: 5m
                max_handshakes_per_second: 300
              session_tickets:
                keys_file: tickets/fleet.keys
                rotate_every: 12h
              filter_chains:
                - name: api
                  server_names: ["api.example.com", "*.api.example.com"]
                  certificates:
                    - cert: certs/api.pem
                      key: certs/api.key
                      key_passphrase: env:API_KEY_PASS
                    - cert: /srv/pki/api-ec.pem
                      key: "pkcs11:token=edge;object=api-ec"
                      pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
                      pkcs11_pin: file:/run/secrets/pin
                  tls:
                    min_version: "1.3"
                    groups: X25519:P-256
                  client_auth:
                    mode: required
                    trust_bundle: bundles/clients.pem
                    allowed_spiffe_ids: [spiffe://example.org/ns/web/sa/frontend]
                    allowed_trust_domains: [example.org]
                  alpn: [h2, http/1.1]
                  upstream:
                    endpoints: [10.0.0.10:8443, "[fd00::10]:8443", backend.internal:8080]
                    balance: least_connections
                    connect_timeout: 10s
                    eject_after_failures: 5
                    eject_for: 1m
                    proxy_protocol: true
                - name: fallback
                  certificates: [{ cert: certs/default.pem, key: ../keys/default.key }]
                  upstream: { endpoints: [127.0.0.1:8080] }
            - name: admin
              address: "[::1]:9443"
              filter_chains:
                - name: admin
                  server_names: [admin.example.com]
                  certificates: [{ cert: certs/admin.pem, key: certs/admin.key }]
                  upstream: { endpoints: [localhost:9000] }
        """;

    [Fact]
    public void A_full_config_reads_listeners_limits_and_session_tickets()
    {
        EdgeConfig config = Read(FullConfig);

        Assert.Equal(["public", "admin"], config.Listeners.Select(l => l.Name));
        ListenerConfig listener = config.Listeners[0];
        Assert.Equal(new IPEndPoint(IPAddress.Any, 443), listener.Address);
        Assert.True(listener.RejectUnknownServerNames);
        Assert.False(listener.EventLoops);
        Assert.Equal(new LimitsConfig(2000, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5), 300), listener.Limits);
        Assert.Equal(new SessionTicketConfig("/etc/tlsgw/tickets/fleet.keys", TimeSpan.FromHours(12)), listener.SessionTickets);
        Assert.Equal(["api", "fallback"], listener.FilterChains.Select(c => c.Name));
    }

    [Fact]
    public void A_full_config_reads_a_chain_with_every_section()
    {
        FilterChainConfig chain = Read(FullConfig).Listeners[0].FilterChains[0];

        Assert.Equal(["api.example.com", "*.api.example.com"], chain.ServerNames);
        Assert.Equal(
            [
                new CertificateConfig("/etc/tlsgw/certs/api.pem", "/etc/tlsgw/certs/api.key", "env:API_KEY_PASS", null, null),
                new CertificateConfig("/srv/pki/api-ec.pem", "pkcs11:token=edge;object=api-ec", null, "/usr/lib/softhsm/libsofthsm2.so", "file:/run/secrets/pin"),
            ],
            chain.Certificates);
        Assert.Equal(new TlsProfileConfig("1.3", null, null, null, "X25519:P-256", null), chain.Tls);
        Assert.Equal(ClientCertificateMode.Required, chain.ClientAuth.Mode);
        Assert.Equal("/etc/tlsgw/bundles/clients.pem", chain.ClientAuth.TrustBundleFile);
        Assert.Equal(["spiffe://example.org/ns/web/sa/frontend"], chain.ClientAuth.AllowedSpiffeIds);
        Assert.Equal(["example.org"], chain.ClientAuth.AllowedTrustDomains);
        Assert.Empty(chain.ClientAuth.AllowedDnsNames);
        Assert.Equal(["h2", "http/1.1"], chain.Alpn);
    }

    [Fact]
    public void A_full_config_reads_an_upstream_with_ip_and_dns_endpoints()
    {
        UpstreamConfig upstream = Read(FullConfig).Listeners[0].FilterChains[0].Upstream;

        Assert.Equal(
            [
                new IPEndPoint(IPAddress.Parse("10.0.0.10"), 8443),
                new IPEndPoint(IPAddress.Parse("fd00::10"), 8443),
                new DnsEndPoint("backend.internal", 8080),
            ],
            upstream.Endpoints);
        Assert.Equal(LoadBalancing.LeastConnections, upstream.Balance);
        Assert.Equal(TimeSpan.FromSeconds(10), upstream.ConnectTimeout);
        Assert.Equal(5, upstream.EjectAfterFailures);
        Assert.Equal(TimeSpan.FromMinutes(1), upstream.EjectFor);
        Assert.True(upstream.ProxyProtocol);
    }

    [Fact]
    public void Omitted_sections_take_their_defaults()
    {
        EdgeConfig config = Read(FullConfig);
        ListenerConfig admin = config.Listeners[1];
        FilterChainConfig fallback = config.Listeners[0].FilterChains[1];

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9443), admin.Address);
        Assert.False(admin.RejectUnknownServerNames);
        Assert.True(admin.EventLoops);
        Assert.Equal(LimitsConfig.Default, admin.Limits);
        Assert.Equal(SessionTicketConfig.Default, admin.SessionTickets);
        Assert.Empty(fallback.ServerNames);
        Assert.Equal(TlsProfileConfig.Default, fallback.Tls);
        Assert.Equal(ClientAuthConfig.Off, fallback.ClientAuth);
        Assert.Empty(fallback.Alpn);
        Assert.Equal(
            new UpstreamConfig(fallback.Upstream.Endpoints, LoadBalancing.RoundRobin, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30), false),
            fallback.Upstream);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_config_files_directory_and_absolute_paths_are_kept()
    {
        EdgeConfig config = Read(FullConfig);

        Assert.Equal(new CertificateConfig("/etc/tlsgw/certs/default.pem", "/etc/keys/default.key", null, null, null), config.Listeners[0].FilterChains[1].Certificates[0]);
        Assert.Equal("/srv/pki/api-ec.pem", config.Listeners[0].FilterChains[0].Certificates[1].CertificateFile);
    }

    [Fact]
    public void Localhost_in_an_endpoint_is_read_as_the_ipv4_loopback_address()
    {
        EdgeConfig config = Read(FullConfig);

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 9000)], config.Listeners[1].FilterChains[0].Upstream.Endpoints);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("12h", 43_200_000)]
    [InlineData("1d", 86_400_000)]
    public void Durations_are_read_with_their_unit(string text, long milliseconds)
    {
        string yaml = Listener(Chain("web", upstream: $"{{ endpoints: [127.0.0.1:8080], connect_timeout: {text} }}"));

        TimeSpan timeout = Read(yaml).Listeners[0].FilterChains[0].Upstream.ConnectTimeout;

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData("10 parsecs", "unknown duration unit")]
    [InlineData("10", "unknown duration unit")]
    [InlineData("-1s", "expected a positive duration")]
    [InlineData("0s", "expected a positive duration")]
    [InlineData("soon", "expected a positive duration")]
    [InlineData("99999999999d", "longer than the maximum")]
    public void A_bad_duration_is_rejected_at_its_line_and_key(string text, string reason)
    {
        string yaml = Listener(Chain("web", upstream: $"{{ endpoints: [127.0.0.1:8080], connect_timeout: {text} }}"));

        ConfigException error = AssertRejected(yaml, "connect_timeout", "edge.listeners[0].filter_chains[0].upstream.connect_timeout", reason);

        Assert.Contains($"'{text}'", error.Message);
    }

    [Fact]
    public void A_misspelt_key_is_rejected_as_unknown_at_its_own_line_naming_the_intended_key()
    {
        string yaml = Listener(Chain("web", upstream:
            """

                        endpoints: [127.0.0.1:8080]
                        conect_timeout: 2s
            """));

        ConfigException error = AssertRejected(yaml, "conect_timeout", "edge.listeners[0].filter_chains[0].upstream.conect_timeout", "unknown key");

        Assert.Contains("connect_timeout", error.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_listener_is_rejected_at_its_own_line()
    {
        string yaml = Listener(Chain("web")).Replace("      filter_chains:", "      max_conections: 10\n      filter_chains:", StringComparison.Ordinal);

        AssertRejected(yaml, "max_conections", "edge.listeners[0].max_conections", "unknown key");
    }

    [Fact]
    public void A_misspelt_required_key_is_reported_as_unknown_rather_than_missing()
    {
        string yaml = Listener(Chain("web")).Replace("      address:", "      adress:", StringComparison.Ordinal);

        ConfigException error = AssertRejected(yaml, "adress:", "edge.listeners[0].adress", "unknown key");

        Assert.Contains("'address'", error.Message);
    }

    [Fact]
    public void An_unknown_top_level_section_is_rejected_at_its_line()
    {
        string yaml = Listener(Chain("web")) + "\nedgee:\n  listeners: []\n";

        AssertRejected(yaml, "edgee:", "edgee", "unknown key");
    }

    [Fact]
    public void A_missing_required_key_is_reported_on_the_mapping_that_lacks_it()
    {
        string yaml = Listener(Chain("web")).Replace("      address: 127.0.0.1:8443\n", "", StringComparison.Ordinal);

        AssertRejected(yaml, "- name: public", "edge.listeners[0]", "'address' is required");
    }

    [Fact]
    public void A_chain_without_an_upstream_is_rejected_at_the_chain()
    {
        string yaml = Listener(
            """
                    - name: web
                      certificates: [{ cert: web.pem, key: web.key }]
            """);

        AssertRejected(yaml, "- name: web", "edge.listeners[0].filter_chains[0]", "'upstream' is required");
    }

    [Fact]
    public void A_config_without_an_edge_section_is_rejected()
    {
        AssertRejected("{}\n", "{}", "", "'edge' is required");
    }

    [Theory]
    [InlineData("10.0.0.10", "expected HOST:PORT")]
    [InlineData("10.0.0.10:", "expected HOST:PORT")]
    [InlineData("10.0.0.10:http", "expected HOST:PORT")]
    [InlineData("10.0.0.10:65536", "expected HOST:PORT")]
    [InlineData(":8080", "expected HOST:PORT")]
    [InlineData("10.0.0.10:0", "port from 1 to 65535")]
    [InlineData("\"::1\"", "IPv6 in brackets")]
    [InlineData("\"[]:80\"", "expected HOST:PORT")]
    [InlineData("\"a b:80\"", "expected HOST:PORT")]
    [InlineData("\"bad_host!:80\"", "neither an IP address nor a DNS name")]
    [InlineData("{ adress: 10.0.0.10:8080 }", "expected a non-empty value")]
    public void A_bad_upstream_endpoint_is_rejected_at_its_line_and_list_index(string endpoint, string reason)
    {
        string yaml = Listener(Chain("web", upstream: $"{{ endpoints: [127.0.0.1:8080, {endpoint}] }}"));

        AssertRejected(yaml, "endpoints:", "edge.listeners[0].filter_chains[0].upstream.endpoints[1]", reason);
    }

    [Fact]
    public void A_bad_endpoint_in_a_block_list_is_reported_at_its_own_line()
    {
        string yaml = Listener(Chain("web", upstream:
            """

                        endpoints:
                          - 10.0.0.10:8080
                          - 10.0.0.11
            """));

        AssertRejected(yaml, "- 10.0.0.11", "edge.listeners[0].filter_chains[0].upstream.endpoints[1]", "got '10.0.0.11'");
    }

    [Fact]
    public void A_listener_address_must_be_an_ip_address()
    {
        string yaml = Listener(Chain("web")).Replace("127.0.0.1:8443", "gateway.example.com:8443", StringComparison.Ordinal);

        AssertRejected(yaml, "address:", "edge.listeners[0].address", "'gateway.example.com' is not an IP address");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000001")]
    [InlineData("-5")]
    [InlineData("lots")]
    public void Max_connections_outside_1_to_1000000_is_rejected(string value)
    {
        string yaml = Listener(Chain("web")).Replace("      filter_chains:", $"      limits:\n        max_connections: {value}\n      filter_chains:", StringComparison.Ordinal);

        AssertRejected(yaml, "max_connections", "edge.listeners[0].limits.max_connections", $"expected a whole number from 1 to 1000000, got '{value}'");
    }

    [Fact]
    public void An_unknown_client_auth_mode_is_rejected()
    {
        string yaml = Listener(Chain("web", "          client_auth: { mode: sometimes, trust_bundle: ca.pem }"));

        AssertRejected(yaml, "client_auth:", "edge.listeners[0].filter_chains[0].client_auth.mode", "expected off, optional or required, got 'sometimes'");
    }

    [Fact]
    public void An_unknown_balancing_policy_is_rejected()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [127.0.0.1:8080], balance: random }"));

        AssertRejected(yaml, "balance:", "edge.listeners[0].filter_chains[0].upstream.balance", "expected round_robin or least_connections, got 'random'");
    }

    [Fact]
    public void A_non_boolean_proxy_protocol_flag_is_rejected()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [127.0.0.1:8080], proxy_protocol: maybe }"));

        AssertRejected(yaml, "proxy_protocol:", "edge.listeners[0].filter_chains[0].upstream.proxy_protocol", "expected true or false, got 'maybe'");
    }

    [Fact]
    public void Eject_after_failures_below_one_is_rejected()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [127.0.0.1:8080], eject_after_failures: 0 }"));

        AssertRejected(yaml, "eject_after_failures:", "edge.listeners[0].filter_chains[0].upstream.eject_after_failures", "expected a whole number from 1 to 1000");
    }

    [Fact]
    public void Listeners_that_are_not_a_list_are_rejected()
    {
        AssertRejected("edge:\n  listeners: public\n", "listeners:", "edge.listeners", "expected a list");
    }

    [Fact]
    public void A_key_written_twice_in_one_mapping_is_rejected_as_invalid_yaml()
    {
        string yaml = Listener(Chain("web")).Replace("      address: 127.0.0.1:8443", "      address: 127.0.0.1:8443\n      address: 127.0.0.1:9443", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => Read(yaml));

        Assert.StartsWith($"{FileName}:{LineOf(yaml, "9443")}: not valid YAML", error.Message);
        Assert.Contains("address", error.Message);
    }

    [Fact]
    public void A_yaml_syntax_error_is_reported_with_its_line()
    {
        string yaml = Listener(Chain("web")).Replace("- name: public", "- name: public: again", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => Read(yaml));

        Assert.StartsWith($"{FileName}:{LineOf(yaml, "public: again")}: not valid YAML", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing configured yet\n")]
    public void An_empty_document_is_rejected_naming_the_file(string yaml)
    {
        var error = Assert.Throws<ConfigException>(() => Read(yaml));

        Assert.Equal($"{FileName}: expected one YAML document, found 0", error.Message);
    }

    [Fact]
    public void Two_yaml_documents_are_rejected()
    {
        string yaml = Listener(Chain("web")) + "---\n" + Listener(Chain("web"));

        var error = Assert.Throws<ConfigException>(() => Read(yaml));

        Assert.Equal($"{FileName}: expected one YAML document, found 2", error.Message);
    }

    [Fact]
    public void An_IPv6_upstream_in_brackets_is_read_as_an_address()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [\"[::1]:8080\"] }"));

        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 8080), Read(yaml).Listeners[0].FilterChains[0].Upstream.Endpoints[0]);
    }

    [Fact]
    public void A_listener_address_that_is_only_a_number_is_not_mistaken_for_an_IP()
    {
        string yaml = Listener(Chain("web")).Replace("address: 127.0.0.1:8443", "address: \"443:8443\"", StringComparison.Ordinal);

        AssertRejected(yaml, "address:", "edge.listeners[0].address", "'443' is not an IP address");
    }

    [Fact]
    public void A_mapping_key_that_is_not_a_plain_name_is_rejected()
    {
        string yaml = "[a, b]: c\n" + Listener(Chain("web"));

        Assert.Contains("keys must be plain names", Assert.Throws<ConfigException>(() => Read(yaml)).Message);
    }

    [Fact]
    public void An_empty_ca_section_is_rejected_too()
    {
        string yaml = "ca:\n" + Listener(Chain("web"));

        Assert.Contains("the 'ca' role is not available in this build yet", Assert.Throws<ConfigException>(() => Read(yaml)).Message);
    }

    [Fact]
    public void Upstream_TLS_is_read_with_its_own_certificate_and_checks()
    {
        string yaml = Listener(Chain("web", upstream:
            "{ endpoints: [127.0.0.1:8080], tls: { trust_bundle: certs/upstream-ca.pem, server_name: api.internal, "
            + "certificate: { cert: certs/edge.pem, key: certs/edge.key }, allowed_spiffe_ids: [\"spiffe://td/api\"], alpn: [h2], crl: certs/upstream.crl, "
            + "profile: { max_version: \"1.2\" } } }"));

        UpstreamTlsConfig? tls = Read(yaml).Listeners[0].FilterChains[0].Upstream.Tls;

        Assert.NotNull(tls);
        Assert.Equal("/etc/tlsgw/certs/upstream-ca.pem", tls.TrustBundleFile);
        Assert.Equal("api.internal", tls.ServerName);
        Assert.Equal("/etc/tlsgw/certs/edge.key", tls.Certificate?.Key);
        Assert.Equal(["spiffe://td/api"], tls.AllowedSpiffeIds);
        Assert.Equal(["h2"], tls.Alpn);
        Assert.Equal("/etc/tlsgw/certs/upstream.crl", tls.CrlFile);
        Assert.Equal(TlsProfileConfig.Default with { MaxVersion = "1.2" }, tls.Profile);
    }

    [Fact]
    public void Upstream_TLS_without_a_name_or_SPIFFE_ID_to_check_is_rejected()
    {
        string yaml = Listener(Chain("web", upstream: "{ endpoints: [127.0.0.1:8080], tls: { trust_bundle: ca.pem } }"));

        AssertRejected(yaml, "tls:", "edge.listeners[0].filter_chains[0].upstream.tls", "needs server_name");
    }

    [Theory]
    [InlineData("{ responder: auto }", null, true, null)]
    [InlineData("{ responder: \"http://ocsp.example.test/\" }", null, true, "http://ocsp.example.test/")]
    [InlineData("{ staple_file: certs/web.ocsp }", "/etc/tlsgw/certs/web.ocsp", false, null)]
    public void OCSP_stapling_is_read_from_a_file_or_a_responder(string ocsp, string? file, bool fromResponder, string? url)
    {
        string yaml = Listener(Chain("web")).Replace("key: certs/web.key }", $"key: certs/web.key, ocsp: {ocsp} }}", StringComparison.Ordinal);

        OcspConfig? config = Read(yaml).Listeners[0].FilterChains[0].Certificates[0].Ocsp;

        Assert.NotNull(config);
        Assert.Equal(file, config.StapleFile);
        Assert.Equal(fromResponder, config.FromResponder);
        Assert.Equal(url, config.Responder?.ToString());
    }

    [Theory]
    [InlineData("{ }", "exactly one of staple_file")]
    [InlineData("{ staple_file: a.ocsp, responder: auto }", "exactly one of staple_file")]
    [InlineData("{ responder: \"ftp://x/\" }", "expected auto or an http(s) URL")]
    public void Bad_OCSP_settings_are_rejected(string ocsp, string reason)
    {
        string yaml = Listener(Chain("web")).Replace("key: certs/web.key }", $"key: certs/web.key, ocsp: {ocsp} }}", StringComparison.Ordinal);

        Assert.Contains(reason, Assert.Throws<ConfigException>(() => Read(yaml)).Message);
    }

    [Fact]
    public void A_ca_section_is_rejected_as_not_available_yet()
    {
        string yaml = "ca: { root_cert: ca.pem }\n" + Listener(Chain("web"));

        AssertRejected(yaml, "ca:", "ca", "the 'ca' role is not available in this build yet");
    }

    [Fact]
    public void A_pkcs11_key_uri_is_kept_as_written()
    {
        string yaml = Listener(Chain("web")).Replace("key: certs/web.key", "key: \"PKCS11:token=edge;object=web%20key\"", StringComparison.Ordinal);

        CertificateConfig certificate = Read(yaml).Listeners[0].FilterChains[0].Certificates[0];

        Assert.Equal("PKCS11:token=edge;object=web%20key", certificate.Key);
        Assert.Equal("/etc/tlsgw/certs/web.pem", certificate.CertificateFile);
    }

    [Fact]
    public void ReadFile_names_a_missing_config_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "tlsgw-edge-tests-" + Guid.NewGuid().ToString("N"), "tlsgw.yaml");

        var error = Assert.Throws<ConfigException>(() => EdgeConfigReader.ReadFile(path));

        Assert.StartsWith($"{path}: cannot read the config file", error.Message);
    }

    [Fact]
    public void ReadFile_resolves_relative_paths_against_the_files_own_directory()
    {
        using var directory = new TempDirectory();
        string path = directory.PathOf("tlsgw.yaml");
        File.WriteAllText(path, Listener(Chain("web")));

        EdgeConfig config = EdgeConfigReader.ReadFile(path);

        Assert.Equal(directory.PathOf("certs/web.pem"), config.Listeners[0].FilterChains[0].Certificates[0].CertificateFile);
    }
}
