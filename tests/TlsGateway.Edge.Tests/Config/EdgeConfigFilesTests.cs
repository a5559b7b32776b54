using System.Net;

namespace TlsGateway.Edge.Config.Tests;

public class EdgeConfigFilesTests
{
    private static readonly UpstreamConfig s_upstream =
        new([new IPEndPoint(IPAddress.Loopback, 8080)], LoadBalancing.RoundRobin, TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30), false);

    private static FilterChainConfig Chain(string name, ClientAuthConfig auth, params CertificateConfig[] certificates) =>
        new(name, [], certificates, TlsProfileConfig.Default, auth, [], s_upstream);

    private static ListenerConfig Listener(string name, int port, SessionTicketConfig tickets, params FilterChainConfig[] chains) =>
        new(name, new IPEndPoint(IPAddress.Loopback, port), chains, LimitsConfig.Default, tickets, false);

    [Fact]
    public void Enumerate_lists_ticket_keys_certificates_key_files_trust_bundles_and_CRLs_of_every_listener()
    {
        var clientAuth = new ClientAuthConfig(Tls.ClientCertificateMode.Required, "/etc/tlsgw/clients.pem", [], [], [], "/etc/tlsgw/clients.crl");
        var config = new EdgeConfig(
        [
            Listener("public", 443, new SessionTicketConfig("/etc/tlsgw/tickets.keys", TimeSpan.FromHours(12)),
                Chain("api", clientAuth,
                    new CertificateConfig("/etc/tlsgw/api.pem", "/etc/tlsgw/api.key", null, null, null),
                    new CertificateConfig("/etc/tlsgw/api-ec.pem", "/etc/tlsgw/api-ec.key", "env:PASS", null, null)),
                Chain("default", ClientAuthConfig.Off, new CertificateConfig("/etc/tlsgw/default.pem", "/etc/tlsgw/default.key", null, null, null))),
            Listener("admin", 9443, SessionTicketConfig.Default,
                Chain("admin", ClientAuthConfig.Off, new CertificateConfig("/etc/tlsgw/admin.pem", "/etc/tlsgw/admin.key", null, null, null))),
        ]);

        Assert.Equal(
            [
                "/etc/tlsgw/tickets.keys",
                "/etc/tlsgw/api.pem", "/etc/tlsgw/api.key",
                "/etc/tlsgw/api-ec.pem", "/etc/tlsgw/api-ec.key",
                "/etc/tlsgw/clients.pem", "/etc/tlsgw/clients.crl",
                "/etc/tlsgw/default.pem", "/etc/tlsgw/default.key",
                "/etc/tlsgw/admin.pem", "/etc/tlsgw/admin.key",
            ],
            EdgeConfigFiles.Enumerate(config));
    }

    [Fact]
    public void Enumerate_lists_the_upstream_certificate_trust_bundle_and_CRL()
    {
        var upstreamTls = new UpstreamTlsConfig("/etc/tlsgw/upstream-ca.pem", "api.internal",
            new CertificateConfig("/etc/tlsgw/edge.pem", "/etc/tlsgw/edge.key", null, null, null), [], [], "/etc/tlsgw/upstream.crl");
        var chain = new FilterChainConfig("api", [], [new CertificateConfig("/etc/tlsgw/api.pem", "/etc/tlsgw/api.key", null, null, null)],
            TlsProfileConfig.Default, ClientAuthConfig.Off, [], s_upstream with { Tls = upstreamTls });
        var config = new EdgeConfig([Listener("public", 443, SessionTicketConfig.Default, chain)]);

        Assert.Equal(
            [
                "/etc/tlsgw/api.pem", "/etc/tlsgw/api.key",
                "/etc/tlsgw/edge.pem", "/etc/tlsgw/edge.key",
                "/etc/tlsgw/upstream-ca.pem", "/etc/tlsgw/upstream.crl",
            ],
            EdgeConfigFiles.Enumerate(config));
    }

    [Fact]
    public void Enumerate_lists_the_certificate_but_not_a_pkcs11_key_uri()
    {
        var config = new EdgeConfig(
        [
            Listener("public", 443, SessionTicketConfig.Default,
                Chain("hsm", ClientAuthConfig.Off,
                    new CertificateConfig("/etc/tlsgw/hsm.pem", "pkcs11:token=edge;object=api", null, "/usr/lib/softhsm/libsofthsm2.so", "env:PIN"))),
        ]);

        Assert.Equal(["/etc/tlsgw/hsm.pem"], EdgeConfigFiles.Enumerate(config));
    }

    [Fact]
    public void Enumerate_agrees_with_the_paths_the_reader_resolved()
    {
        EdgeConfig config = EdgeConfigReader.Read("/srv/edge/tlsgw.yaml",
            """
            edge:
              listeners:
                - name: public
                  address: 127.0.0.1:8443
                  session_tickets: { keys_file: fleet.keys }
                  filter_chains:
                    - name: web
                      certificates: [{ cert: web.pem, key: "pkcs11:object=web" }, { cert: rsa.pem, key: keys/rsa.key }]
                      client_auth: { mode: optional, trust_bundle: ../bundles/clients.pem }
                      upstream: { endpoints: [127.0.0.1:8080] }
            """);

        Assert.Equal(
            ["/srv/edge/fleet.keys", "/srv/edge/web.pem", "/srv/edge/rsa.pem", "/srv/edge/keys/rsa.key", "/srv/bundles/clients.pem"],
            EdgeConfigFiles.Enumerate(config));
    }
}
