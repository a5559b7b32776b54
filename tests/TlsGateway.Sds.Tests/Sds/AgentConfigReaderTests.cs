using TlsGateway.Config;

namespace TlsGateway.Sds.Tests.Sds;

public sealed class AgentConfigReaderTests
{
    internal const string Remote = """
        agent:
          ca:
            address: https://ca.example.org:15012
            bundle: ca-roots.pem
            token_file: /etc/tlsgw/token
            identity_dir: agent-identity
            identity: spiffe://example.org/agent/node-1
            cluster_id: Kubernetes
          sds_socket: /run/tlsgw/sds.sock
          workload_ttl: 12h
          renew_at: 0.6
          ticket_keys:
            file: /var/lib/tlsgw/ticket-keys.json
            rotation: 30m
            keep: 4
          policy:
            - uid: 1000
              identity: spiffe://example.org/ns/default/sa/{user}
              resources: [session-ticket-keys, edge-web]
            - user: envoy
              executable: /usr/bin/envoy
              identity: spiffe://example.org/ns/edge/sa/envoy
          certificates:
            - name: edge-web
              identity: spiffe://example.org/ns/edge/sa/web
              dns: [web.example.org]
        """;

    [Fact]
    public void A_full_agent_section_is_read_with_paths_relative_to_the_file()
    {
        AgentConfig config = AgentConfigReader.Read("/etc/tlsgw/tlsgw.yaml", Remote);

        Assert.False(config.Ca.IsLocal);
        Assert.Equal("https://ca.example.org:15012/", config.Ca.Address!.ToString());
        Assert.Equal("/etc/tlsgw/ca-roots.pem", config.Ca.Bundle);
        Assert.Equal("/etc/tlsgw/agent-identity", config.Ca.IdentityDirectory);
        Assert.Equal("spiffe://example.org/agent/node-1", config.Ca.AgentIdentity!.ToString());
        Assert.Equal(TimeSpan.FromHours(12), config.Options.WorkloadTtl);
        Assert.Equal(0.6, config.Options.RenewAtFraction);
        Assert.Equal(TimeSpan.FromMinutes(30), config.Options.TicketKeyRotation);
        Assert.Equal(4, config.Options.TicketKeysKept);
        Assert.Equal(2, config.Policy.Count);
        Assert.Equal(1000u, config.Policy[0].Uid);
        Assert.Equal(["session-ticket-keys", "edge-web"], config.Policy[0].Resources);
        Assert.Equal("/usr/bin/envoy", config.Policy[1].Executable);
        Assert.Equal(["web.example.org"], Assert.Single(config.Certificates).DnsNames);
    }

    [Fact]
    public void A_local_CA_is_named_by_its_data_directory()
    {
        AgentConfig config = AgentConfigReader.Read("/srv/tlsgw.yaml", """
            agent:
              ca: { data: ./data }
              sds_socket: ./data/sds.sock
              policy:
                - uid: 0
                  identity: spiffe://example.org/ns/default/sa/{user}
            """);

        Assert.True(config.Ca.IsLocal);
        Assert.Equal("/srv/data", config.Ca.DataDirectory);
        Assert.Null(config.TicketKeyFile);
    }

    [Theory]
    [InlineData("ca: { data: d, address: https://x:1 }", "not both")]
    [InlineData("ca: { address: http://x:1, bundle: b, identity_dir: i, identity: spiffe://e.org/agent/a }", "https://")]
    [InlineData("ca: { address: https://x:1, bundle: b, identity_dir: i, identity: spiffe://e.org }", "agent's own SPIFFE ID")]
    [InlineData("ca: { data: d }\n  polcy: []", "did you mean 'policy'")]
    public void A_wrong_agent_section_is_refused_with_line_and_key(string body, string expected)
    {
        string text = $"""
            agent:
              {body}
              sds_socket: /run/sds.sock
              policy:
                - uid: 0
                  identity: spiffe://example.org/ns/a/sa/b
            """;

        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", text));

        Assert.StartsWith("t.yaml:", refused.Message);
        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public void A_rule_granting_an_unknown_resource_is_refused()
    {
        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", """
            agent:
              ca: { data: d }
              sds_socket: s
              policy:
                - uid: 0
                  identity: spiffe://example.org/ns/a/sa/b
                  resources: [edge-api]
            """));

        Assert.Contains("t.yaml:7: agent.policy[0].resources", refused.Message);
        Assert.Contains("edge-api", refused.Message);
    }

    [Fact]
    public void Ticket_keys_granted_without_a_ticket_key_file_are_refused()
    {
        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", """
            agent:
              ca: { data: d }
              sds_socket: s
              policy:
                - uid: 0
                  identity: spiffe://example.org/ns/a/sa/b
                  resources: [session-ticket-keys]
            """));

        Assert.Contains("ticket_keys.file", refused.Message);
    }

    [Fact]
    public void A_rule_that_matches_no_caller_field_is_refused_at_its_line()
    {
        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", """
            agent:
              ca: { data: d }
              sds_socket: s
              policy:
                - identity: spiffe://example.org/ns/a/sa/b
            """));

        Assert.Contains("t.yaml:5: agent.policy[0]", refused.Message);
        Assert.Contains("matches no field", refused.Message);
    }

    [Fact]
    public void A_named_certificate_may_not_take_a_reserved_name()
    {
        ConfigException refused = Assert.Throws<ConfigException>(() => AgentConfigReader.Read("t.yaml", """
            agent:
              ca: { data: d }
              sds_socket: s
              policy: [{ uid: 0, identity: "spiffe://example.org/ns/a/sa/b" }]
              certificates:
                - name: ROOTCA
                  identity: spiffe://example.org/ns/a/sa/b
            """));

        Assert.Contains("reserved", refused.Message);
    }
}
