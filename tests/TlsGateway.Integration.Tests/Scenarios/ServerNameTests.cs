using TlsGateway.Crypto;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>SNI selection (exact, wildcard, default) and RSA/ECDSA certificates side by side, seen by s_client.</summary>
public sealed class ServerNameTests
{
    [Theory]
    [InlineData("other.test", "CN = other.test")]
    [InlineData("OTHER.test", "CN = other.test")]
    [InlineData("a.wild.test", "CN = *.wild.test")]
    [InlineData("a.b.wild.test", "CN = default.test")]
    [InlineData("unknown.test", "CN = default.test")]
    [InlineData(null, "CN = default.test")]
    public async Task The_certificate_is_chosen_by_server_name_with_a_default_for_the_rest(string? serverName, string expectedSubject)
    {
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair other = pki.Load("other");
        using CertificateKeyPair wild = pki.Load("wild");
        using CertificateKeyPair fallback = pki.Load("default");
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
            [
                ServerFactory.Entry("other", ["other.test"], [other]),
                ServerFactory.Entry("wild", ["*.wild.test"], [wild]),
                ServerFactory.Entry("fallback", [], [fallback]),
            ],
            DefaultEntry: "fallback"));
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, serverName);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal(expectedSubject, result.Subject);
    }

    [Fact]
    public async Task The_entry_chosen_by_server_name_survives_a_HelloRetryRequest()
    {
        // The client's first key share (P-521) is not a group the profile allows, so the server
        // answers with a HelloRetryRequest (RFC 8446 section 4.1.4) and the ClientHello comes twice.
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair other = pki.Load("other");
        using CertificateKeyPair fallback = pki.Load("default");
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
            [ServerFactory.Entry("fallback", [], [fallback]), ServerFactory.Entry("other", ["other.test"], [other])]));
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "other.test", extra: ["-tls1_3", "-groups", "P-521:P-256"]);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal("CN = other.test", result.Subject);
        Assert.Contains("Server Temp Key: ECDH, prime256v1", result.Output);
        Assert.True(server.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal("other", session.Entry);
    }

    [Theory]
    [InlineData("other.test", "-tls1_2", false)]
    [InlineData("other.test", "-tls1_3", true)]
    [InlineData("default.test", "-tls1_2", true)]
    public async Task Each_entry_negotiates_with_its_own_profile(string serverName, string version, bool accepted)
    {
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair other = pki.Load("other");
        using CertificateKeyPair fallback = pki.Load("default");
        TlsProfile tls13Only = TlsProfile.Default with { MinVersion = TlsVersion.Tls13 };
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
            [ServerFactory.Entry("fallback", [], [fallback]), ServerFactory.Entry("other", ["other.test"], [other], tls13Only)]));
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, serverName, extra: [version]);

        Assert.Equal(accepted, result.Echoed("ping"));
        if (!accepted)
        {
            Assert.Contains("alert protocol version", result.Output);
        }
    }

    [Fact]
    public async Task Unknown_names_are_refused_with_unrecognized_name_when_the_listener_is_strict()
    {
        using CertificateKeyPair other = TestPki.Instance.Load("other");
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
            [ServerFactory.Entry("other", ["other.test"], [other])], RejectUnknownServerNames: true));
        await using var server = new EchoServer(context);

        SClientResult known = await OpenSslClient.ConnectAsync(server.Address, "other.test");
        SClientResult unknown = await OpenSslClient.ConnectAsync(server.Address, "unknown.test");

        Assert.True(known.Echoed("ping"), known.Output);
        Assert.False(unknown.Echoed("ping"));
        Assert.Contains("unrecognized name", unknown.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.UnrecognizedName));
    }

    [Theory]
    [InlineData("-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256", 2048)]
    [InlineData("-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256", 256)]
    [InlineData("-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", 2048)]
    [InlineData("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", 256)]
    public async Task RSA_and_ECDSA_certificates_for_one_name_are_chosen_by_what_the_client_supports(
        string version, string option, string value, int expectedBits)
    {
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair rsa = pki.Load("rsa");
        using CertificateKeyPair ecdsa = pki.Load("ecdsa");
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions(
            [ServerFactory.Entry("example", ["example.test"], [rsa, ecdsa])]));
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [version, option, value]);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal(expectedBits, result.ServerKeyBits);
    }
}
