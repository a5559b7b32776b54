using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

public sealed class TlsServerContextTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _certificate;

    public TlsServerContextTests(TestPki pki)
    {
        _pki = pki;
        _certificate = pki.LoadServer();
    }

    public void Dispose() => _certificate.Dispose();

    // Three entries sharing one certificate (it names localhost, a.test, x.b.test and unknown.test).
    private TlsServerOptions ThreeEntries(string? defaultEntry = null, bool rejectUnknown = false) => new(
        [
            Entry(_certificate, "localhost"),
            Entry(_certificate, "a.test"),
            Entry(_certificate, "b-wildcard", ["*.b.test"]),
        ],
        defaultEntry,
        rejectUnknown);

    private InMemoryPipe ConnectTo(TlsServerContext server, string? serverName, TlsClientContext client) => Connect(client, server, serverName);

    [Theory]
    [InlineData("a.test", "a.test")]
    [InlineData("A.TEST", "a.test")]
    [InlineData("x.b.test", "b-wildcard")]
    [InlineData("localhost", "localhost")]
    public void The_client_server_name_selects_the_entry(string serverName, string expectedEntry)
    {
        using TlsServerContext server = TlsServerContext.Create(ThreeEntries());
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = ConnectTo(server, serverName, client);

        Assert.True(pipe.Handshake());

        Assert.Equal(expectedEntry, pipe.Server.ServerEntry?.Name);
        Assert.Equal(serverName, pipe.Server.Facts!.ServerName, ignoreCase: true);
    }

    [Fact]
    public void An_unknown_server_name_is_served_by_the_first_entry()
    {
        using TlsServerContext server = TlsServerContext.Create(ThreeEntries());
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = ConnectTo(server, "unknown.test", client);

        Assert.True(pipe.Handshake());

        Assert.Equal("localhost", pipe.Server.ServerEntry?.Name);
    }

    [Fact]
    public void An_unknown_server_name_is_served_by_the_configured_default_entry()
    {
        using TlsServerContext server = TlsServerContext.Create(ThreeEntries(defaultEntry: "a.test"));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = ConnectTo(server, "unknown.test", client);

        Assert.True(pipe.Handshake());

        Assert.Equal("a.test", pipe.Server.ServerEntry?.Name);
    }

    [Fact]
    public void A_client_without_sni_is_served_by_the_default_entry()
    {
        using TlsServerContext server = TlsServerContext.Create(ThreeEntries(defaultEntry: "b-wildcard", rejectUnknown: true));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = ConnectTo(server, null, client);

        Assert.True(pipe.Handshake());

        Assert.Equal("b-wildcard", pipe.Server.ServerEntry?.Name);
        Assert.Null(pipe.Server.Facts!.ServerName);
    }

    [Fact]
    public void With_unknown_names_refused_an_unknown_name_fails_with_unrecognized_name()
    {
        using TlsServerContext server = TlsServerContext.Create(ThreeEntries(rejectUnknown: true));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = ConnectTo(server, "unknown.test", client);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.UnrecognizedName, pipe.Server.Failure?.Reason);
        Assert.Equal(TlsFailureReason.UnrecognizedName, pipe.Client.Failure?.Reason);
    }

    [Fact]
    public void The_selected_entry_brings_its_own_protocol_versions()
    {
        TlsProfile tls12 = TlsProfile.Default with { MaxVersion = TlsVersion.Tls12 };
        using TlsServerContext server = Server(Entry(_certificate, "localhost"), Entry(_certificate, "a.test", profile: tls12));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe toDefault = ConnectTo(server, "localhost", client);
        using InMemoryPipe toLegacy = ConnectTo(server, "a.test", client);

        Assert.True(toDefault.Handshake());
        Assert.True(toLegacy.Handshake());

        Assert.Equal(0x0304, toDefault.Server.Facts!.Version);
        Assert.Equal(0x0303, toLegacy.Server.Facts!.Version);
    }

    [Theory]
    [InlineData("localhost", "h2")]
    [InlineData("a.test", "http/1.1")]
    [InlineData("x.b.test", null)]
    public void The_selected_entry_brings_its_own_alpn_list(string serverName, string? expected)
    {
        using TlsServerContext server = Server(
            Entry(_certificate, "localhost", applicationProtocols: ["h2"]),
            Entry(_certificate, "a.test", applicationProtocols: ["http/1.1"]),
            Entry(_certificate, "b-wildcard", ["*.b.test"]));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, serverName, ["h2", "http/1.1"]);

        Assert.True(pipe.Handshake());

        Assert.Equal(expected, pipe.Server.Facts!.ApplicationProtocol);
        Assert.Equal(expected, pipe.Client.Facts!.ApplicationProtocol);
    }

    [Fact]
    public void An_entry_without_alpn_does_not_refuse_protocols_the_default_entry_would()
    {
        using TlsServerContext server = Server(
            Entry(_certificate, "localhost", applicationProtocols: ["h2"]),
            Entry(_certificate, "a.test"));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, "a.test", ["spdy/3"]);

        Assert.True(pipe.Handshake());

        Assert.Null(pipe.Server.Facts!.ApplicationProtocol);
    }

    [Fact]
    public void The_selected_entry_brings_its_own_client_certificate_policy()
    {
        var required = new ClientAuthOptions(ClientCertificateMode.Required, _pki.RootPem);
        using TlsServerContext server = Server(Entry(_certificate, "localhost"), Entry(_certificate, "a.test", clientAuth: required));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe open = ConnectTo(server, "localhost", client);
        using InMemoryPipe guarded = ConnectTo(server, "a.test", client);

        Assert.True(open.Handshake());
        Assert.False(guarded.Handshake());

        Assert.Equal(TlsFailureReason.CertificateRequired, guarded.Server.Failure?.Reason);
    }

    [Fact]
    public void An_entry_without_mtls_does_not_inherit_the_default_entry_requirement()
    {
        var required = new ClientAuthOptions(ClientCertificateMode.Required, _pki.RootPem);
        using TlsServerContext server = Server(Entry(_certificate, "localhost", clientAuth: required), Entry(_certificate, "a.test"));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe guarded = ConnectTo(server, "localhost", client);
        using InMemoryPipe open = ConnectTo(server, "a.test", client);

        Assert.False(guarded.Handshake());
        Assert.True(open.Handshake());

        Assert.Equal(TlsFailureReason.CertificateRequired, guarded.Server.Failure?.Reason);
        Assert.Equal("a.test", open.Server.ServerEntry?.Name);
    }

    [Fact]
    public void The_selected_entry_checks_client_certificates_against_its_own_bundle()
    {
        using CertificateKeyPair clientCertificate = _pki.LoadClient();
        using TlsServerContext server = Server(
            Entry(_certificate, "localhost", clientAuth: new ClientAuthOptions(ClientCertificateMode.Required, _pki.RootPem)),
            Entry(_certificate, "a.test", clientAuth: new ClientAuthOptions(ClientCertificateMode.Required, _pki.OtherRootPem)));
        using TlsClientContext client = Client(_pki.RootPem, clientCertificate);
        using InMemoryPipe trusted = ConnectTo(server, "localhost", client);
        using InMemoryPipe untrusted = ConnectTo(server, "a.test", client);

        Assert.True(trusted.Handshake());
        Assert.False(untrusted.Handshake());

        Assert.Equal(TlsFailureReason.UnknownCa, untrusted.Server.Failure?.Reason);
    }

    [Fact]
    public void A_server_needs_at_least_one_entry()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(new TlsServerOptions([])));

        Assert.Contains("at least one server name entry", error.Message);
    }

    [Fact]
    public void Two_entries_with_the_same_name_are_rejected()
    {
        var options = new TlsServerOptions([Entry(_certificate, "api", ["a.test"]), Entry(_certificate, "api", ["x.b.test"])]);

        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(options));

        Assert.Contains("'api' is defined more than once", error.Message);
    }

    [Fact]
    public void Two_entries_claiming_the_same_server_name_are_rejected()
    {
        var options = new TlsServerOptions([Entry(_certificate, "one", ["a.test"]), Entry(_certificate, "two", ["A.test"])]);

        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(options));

        Assert.Contains("'A.test' is claimed by more than one entry", error.Message);
    }

    [Fact]
    public void A_default_entry_that_does_not_exist_is_rejected()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(ThreeEntries(defaultEntry: "nope")));

        Assert.Contains("'nope' does not exist", error.Message);
    }

    [Fact]
    public void An_entry_without_certificates_is_rejected_by_name()
    {
        var entry = new ServerNameEntry("bare", ["bare.test"], [], TlsProfile.Default, ClientAuthOptions.Off, []);

        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(new TlsServerOptions([entry])));

        Assert.Contains("'bare': no certificate configured", error.Message);
    }

    [Fact]
    public void An_invalid_profile_is_rejected_naming_the_entry()
    {
        TlsProfile broken = TlsProfile.Default with { Groups = "" };

        var error = Assert.Throws<TlsConfigurationException>(() => Server(Entry(_certificate, "api", profile: broken)));

        Assert.Contains("'api'", error.Message);
        Assert.Contains("key-exchange groups", error.Message);
    }

    [Fact]
    public void A_cipher_string_openssl_refuses_is_rejected_naming_the_entry()
    {
        TlsProfile broken = TlsProfile.Default with { CipherSuites = "TLS_NOT_A_SUITE" };

        var error = Assert.Throws<TlsConfigurationException>(() => Server(Entry(_certificate, "api", profile: broken)));

        Assert.Contains("'api'", error.Message);
        Assert.Contains("TLS_NOT_A_SUITE", error.Message);
    }

    [Fact]
    public void Mutual_tls_without_a_trust_bundle_is_rejected()
    {
        var clientAuth = new ClientAuthOptions(ClientCertificateMode.Required, TrustBundlePem: null);

        var error = Assert.Throws<TlsConfigurationException>(() => Server(Entry(_certificate, "api", clientAuth: clientAuth)));

        Assert.Contains("no trust bundle", error.Message);
    }

    [Fact]
    public void Without_a_shared_ring_a_server_has_its_own_ring_with_one_key()
    {
        using TlsServerContext server = Server(Entry(_certificate));

        Assert.Single(server.TicketKeys.KeyNames);
    }

    [Fact]
    public void A_shared_ring_is_used_and_outlives_the_server()
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        TlsServerContext server = TlsServerContext.Create(new TlsServerOptions([Entry(_certificate)], TicketKeys: ring));

        Assert.Same(ring, server.TicketKeys);
        server.Dispose();
        ring.Rotate();

        Assert.Equal(2, ring.KeyNames.Count);
    }
}
