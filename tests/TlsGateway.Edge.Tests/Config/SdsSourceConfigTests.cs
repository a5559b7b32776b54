using TlsGateway.Config;
using TlsGateway.Edge.Config;
using TlsGateway.Edge.Tests.Infrastructure;

namespace TlsGateway.Edge.Tests.Config;

public sealed class SdsSourceConfigTests
{
    private const string SdsChain = """
                - name: web
                  certificates: [{ sds: { socket: ../../run/tlsgw/sds.sock, name: edge-web } }]
                  upstream: { endpoints: [127.0.0.1:8080] }
        """;

    [Fact]
    public void A_certificate_from_SDS_names_the_agents_socket_and_the_secret()
    {
        EdgeConfig config = ConfigText.Read(ConfigText.Listener(SdsChain));

        CertificateConfig certificate = Assert.Single(config.Listeners[0].FilterChains[0].Certificates);
        Assert.Equal(new SdsSourceConfig("/run/tlsgw/sds.sock", "edge-web"), certificate.Sds);
        Assert.Equal("", certificate.CertificateFile); // filled in by the host once the secret arrives
    }

    [Fact]
    public void Ticket_keys_from_SDS_replace_the_local_rotation()
    {
        string yaml = ConfigText.Listener(SdsChain).Replace("      filter_chains:", """
                  session_tickets:
                    sds: { socket: /run/tlsgw/sds.sock, name: session-ticket-keys }
                  filter_chains:
            """.TrimEnd(), StringComparison.Ordinal);

        SessionTicketConfig tickets = ConfigText.Read(yaml).Listeners[0].SessionTickets;

        Assert.Equal("session-ticket-keys", tickets.Sds?.Name);
        Assert.Null(tickets.KeysFile);
    }

    [Fact]
    public void An_SDS_certificate_with_a_key_file_as_well_is_refused()
    {
        string yaml = ConfigText.Listener(SdsChain.Replace("name: edge-web }", "name: edge-web }, key: k.pem", StringComparison.Ordinal));

        ConfigException refused = Assert.Throws<ConfigException>(() => ConfigText.Read(yaml));

        Assert.Contains("certificates[0].key: unknown key", refused.Message);
    }

    [Fact]
    public void An_SDS_source_without_a_name_is_refused()
    {
        string yaml = ConfigText.Listener(SdsChain.Replace(", name: edge-web", "", StringComparison.Ordinal));

        ConfigException refused = Assert.Throws<ConfigException>(() => ConfigText.Read(yaml));

        Assert.Contains("sds: 'name' is required", refused.Message);
    }
}
