using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Interop;
using TlsGateway.Tls;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Crypto.Tests;

public sealed class CertificateKeyPairTests : IClassFixture<TestPki>
{
    private readonly TestPki _pki;

    public CertificateKeyPairTests(TestPki pki)
    {
        _pki = pki;
    }

    private static TlsServerOptions ServerWith(CertificateKeyPair pair) =>
        new([new ServerNameEntry("api", ["localhost"], [pair], TlsProfile.Default, ClientAuthOptions.Off, [])]);

    [Fact]
    public void Load_reads_the_chain_the_key_and_a_managed_copy_of_the_leaf()
    {
        using CertificateKeyPair pair = _pki.LoadServer();

        Assert.Equal(1, NativeCertificates.Count(pair.Chain));
        Assert.False(pair.Key.IsInvalid);
        Assert.Equal("CN=localhost", pair.Leaf.Subject);
        Assert.False(pair.Leaf.HasPrivateKey);
        Assert.Equal(new DateTimeOffset(pair.Leaf.NotAfter.ToUniversalTime()), pair.NotAfter);
        Assert.Equal($"{_pki.ServerCertificatePath} + {_pki.ServerKeyPath}", pair.Description);
    }

    [Fact]
    public void Load_keeps_every_certificate_of_a_chain_file_leaf_first()
    {
        string chainPath = _pki.Directory.Write("server-chain.pem",
            File.ReadAllText(_pki.ServerCertificatePath) + "\n" + System.Text.Encoding.ASCII.GetString(_pki.RootPem));

        using CertificateKeyPair pair = CertificateKeyPair.Load(chainPath, new PrivateKeySource(_pki.ServerKeyPath));

        Assert.Equal(2, NativeCertificates.Count(pair.Chain));
        Assert.Equal("CN=localhost", pair.Leaf.Subject);
    }

    [Fact]
    public void A_matching_key_is_accepted_by_a_server_context()
    {
        using CertificateKeyPair pair = _pki.LoadServer();

        using TlsServerContext server = TlsServerContext.Create(ServerWith(pair));

        Assert.Single(server.Entries);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused_when_the_context_is_built()
    {
        using CertificateKeyPair mismatched = CertificateKeyPair.Load(_pki.ServerCertificatePath, new PrivateKeySource(_pki.ClientKeyPath));

        var error = Assert.Throws<TlsConfigurationException>(() => TlsServerContext.Create(ServerWith(mismatched)));

        Assert.Contains("does not match", error.Message);
        Assert.Contains("'api'", error.Message);
        Assert.Contains(_pki.ServerCertificatePath, error.Message);
    }

    [Fact]
    public void A_certificate_file_without_a_certificate_is_named()
    {
        string path = _pki.Directory.Write("not-a-cert.pem", "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n");

        var error = Assert.Throws<CryptoConfigurationException>(() => CertificateKeyPair.Load(path, new PrivateKeySource(_pki.ServerKeyPath)));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_missing_certificate_file_is_reported_as_not_existing()
    {
        string path = _pki.Directory.PathOf("missing.pem");

        var error = Assert.Throws<CryptoConfigurationException>(() => CertificateKeyPair.Load(path, new PrivateKeySource(_pki.ServerKeyPath)));

        Assert.Contains($"certificate file '{path}' does not exist", error.Message);
    }

    [Fact]
    public void A_pkcs1_rsa_key_serves_next_to_its_certificate()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certificatePath = _pki.Directory.Write("rsa.pem", certificate.ExportCertificatePem());
        string keyPath = _pki.Directory.Write("rsa.key", key.ExportRSAPrivateKeyPem());

        using CertificateKeyPair pair = CertificateKeyPair.Load(certificatePath, new PrivateKeySource(keyPath));
        using TlsServerContext server = TlsServerContext.Create(ServerWith(pair));

        Assert.Equal("CN=rsa.test", pair.Leaf.Subject);
    }
}
