using TlsGateway.Crypto;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Every key encoding the edge accepts, proven by serving it to openssl s_client, which verifies the chain.</summary>
public sealed class KeyFormatTests
{
    [Theory]
    [InlineData("rsa", "example.test", 2048)]    // PKCS#1 "BEGIN RSA PRIVATE KEY"
    [InlineData("ecdsa", "example.test", 256)]   // SEC1 "BEGIN EC PRIVATE KEY"
    [InlineData("p384", "p384.test", 384)]       // PKCS#8 "BEGIN PRIVATE KEY"
    public async Task A_key_in_each_plain_format_serves_a_verified_handshake(string name, string serverName, int bits)
    {
        using TlsServerContext context = ServerFactory.Single(name);
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, serverName);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.True(result.VerifiedOk, result.Output);
        Assert.Equal(bits, result.ServerKeyBits);
    }

    [Fact]
    public async Task An_encrypted_PKCS8_key_is_served_with_its_passphrase_from_a_file()
    {
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair pair = CertificateKeyPair.Load(pki.PathOf("enc.pem"),
            new PrivateKeySource(pki.PathOf("enc.key"), SecretSource.FromFile(pki.PathOf("enc.pass"))));
        await AssertServesAsync(pair);
    }

    [Fact]
    public async Task An_encrypted_PKCS8_key_is_served_with_its_passphrase_from_the_environment()
    {
        TestPki pki = TestPki.Instance;
        string variable = "TLSGW_TEST_PASSPHRASE_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, File.ReadAllText(pki.PathOf("enc.pass")));
        try
        {
            using CertificateKeyPair pair = CertificateKeyPair.Load(pki.PathOf("enc.pem"),
                new PrivateKeySource(pki.PathOf("enc.key"), SecretSource.FromEnvironment(variable)));
            await AssertServesAsync(pair);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_key_named_by_a_store_URI_is_loaded_through_OSSL_STORE()
    {
        TestPki pki = TestPki.Instance;
        using CertificateKeyPair pair = CertificateKeyPair.Load(pki.PathOf("enc.pem"),
            new PrivateKeySource("file:" + pki.PathOf("enc.key"), SecretSource.FromFile(pki.PathOf("enc.pass"))));
        await AssertServesAsync(pair);
    }

    [Fact]
    public void An_encrypted_key_with_the_wrong_passphrase_is_refused_without_echoing_the_passphrase()
    {
        TestPki pki = TestPki.Instance;
        string wrong = Path.Combine(pki.Directory, "wrong-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(wrong, "not-the-passphrase-x9");

        var error = Assert.Throws<CryptoConfigurationException>(() => CertificateKeyPair.Load(pki.PathOf("enc.pem"),
            new PrivateKeySource(pki.PathOf("enc.key"), SecretSource.FromFile(wrong))));

        Assert.Contains("wrong passphrase", error.Message);
        Assert.Contains("enc.key", error.Message);
        Assert.DoesNotContain("not-the-passphrase-x9", error.Message);
    }

    private static async Task AssertServesAsync(CertificateKeyPair pair)
    {
        using TlsServerContext context = TlsServerContext.Create(new TlsServerOptions([ServerFactory.Entry("enc", [], [pair])]));
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "enc.test");

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal("CN = enc.test", result.Subject);
    }
}
