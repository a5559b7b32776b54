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
