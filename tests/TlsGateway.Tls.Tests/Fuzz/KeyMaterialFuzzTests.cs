using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Interop;
using TlsGateway.Tls.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Tls.Tests.Fuzz;

/// <summary>
/// The loaders an operator's files go through, under mutated PEM and DER (<see cref="Fuzzer"/>):
/// private keys (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8 with a passphrase, DER through OSSL_STORE),
/// the certificate chain an edge serves, the trust bundle peers are verified against and CRL files.
/// Each may load or refuse with its one documented exception — <see cref="CryptoConfigurationException"/>
/// for keys and chains, <see cref="TlsConfigurationException"/> for bundles and CRLs — never with
/// anything else escaping from OpenSSL's wrapper, .NET's PEM reader or our code.
/// </summary>
public sealed class KeyMaterialFuzzTests : IDisposable
{
    private const string Passphrase = "fuzz passphrase";

    // Few PBKDF2 rounds keep the fuzzer fast; a mutated count still stays under 2^16 rounds.
    private static readonly PbeParameters s_pbe = new(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 16);

    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _directory = new();
    private readonly X509Certificate2 _root = TestCertificates.CreateRoot("fuzz root");
    private readonly X509Certificate2 _leaf;
    private readonly ECDsa _ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _rsaKey = RSA.Create(1024);

    public KeyMaterialFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        _leaf = TestCertificates.CreateServerLeaf(_root, "fuzz.example");
    }

    public void Dispose()
    {
        _leaf.Dispose();
        _root.Dispose();
        _ecKey.Dispose();
        _rsaKey.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void Mutated_pem_private_keys_load_or_are_refused_with_a_configuration_error()
    {
        byte[][] seeds =
        [
            Ascii(_rsaKey.ExportRSAPrivateKeyPem()),
            Ascii(_ecKey.ExportECPrivateKeyPem()),
            Ascii(_ecKey.ExportPkcs8PrivateKeyPem()),
            Ascii(_ecKey.ExportECPrivateKeyPem() + _leaf.ExportCertificatePem()),
        ];
        string path = _directory.PathOf("key.pem");

        int runs = Fuzzer.Run(seeds, input => LoadKey(path, input, new PrivateKeySource(path)), e => e is CryptoConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_encrypted_pkcs8_keys_with_a_passphrase_load_or_are_refused_with_a_configuration_error()
    {
        byte[][] seeds =
        [
            Ascii(_ecKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, s_pbe)),
            Ascii(_rsaKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, s_pbe)),
            Ascii(_ecKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, 16))),
        ];
        string path = _directory.PathOf("encrypted.pem");
        var source = new PrivateKeySource(path, SecretSource.FromFile(_directory.Write("passphrase", Passphrase + "\n")));

        int runs = Fuzzer.Run(seeds, input => LoadKey(path, input, source), e => e is CryptoConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 50, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_der_and_pem_keys_read_through_the_openssl_store_load_or_are_refused_with_a_configuration_error()
    {
        byte[][] seeds =
        [
            _ecKey.ExportPkcs8PrivateKey(),
            _ecKey.ExportECPrivateKey(),
            _rsaKey.ExportRSAPrivateKey(),
            Ascii(_ecKey.ExportPkcs8PrivateKeyPem()),
        ];
        string path = _directory.PathOf("key.der");

        // A file: URI goes through OSSL_STORE, which also reads DER (PrivateKeySource.IsStoreUri).
        int runs = Fuzzer.Run(seeds, input => LoadKey(path, input, new PrivateKeySource("file:" + path)), e => e is CryptoConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_certificate_chain_files_load_or_are_refused_with_a_configuration_error()
    {
        using X509Certificate2 other = TestCertificates.CreateServerLeaf(_root, "other.example");
        byte[][] seeds =
        [
            Ascii(_leaf.ExportCertificatePem() + "\n" + _root.ExportCertificatePem()),
            Ascii(_leaf.ExportCertificatePem()),
            Ascii("subject=CN=fuzz.example\n" + other.ExportCertificatePem() + "\n" + _root.ExportCertificatePem() + "\n"),
        ];
        string chainPath = _directory.PathOf("cert.pem");
        string keyPath = _directory.Write("leaf.key", TestCertificates.PrivateKeyPem(_leaf));

        int runs = Fuzzer.Run(seeds, input =>
        {
            File.WriteAllBytes(chainPath, input);
            using CertificateKeyPair pair = CertificateKeyPair.Load(chainPath, new PrivateKeySource(keyPath));
            Assert.True(NativeCertificates.Count(pair.Chain) >= 1);
        }, e => e is CryptoConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_trust_bundles_build_a_verifying_context_or_are_refused_with_a_configuration_error()
    {
        using X509Certificate2 otherRoot = TestCertificates.CreateRoot("another root");
        byte[][] seeds =
        [
            Ascii(_root.ExportCertificatePem()),
            Ascii(_root.ExportCertificatePem() + "\n" + otherRoot.ExportCertificatePem()),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            // The same SetPeerVerification path builds the edge's client-certificate trust store.
            using TlsClientContext context = TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, input));
        }, e => e is TlsConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_crl_files_in_pem_and_der_are_accepted_or_refused_with_a_configuration_error()
    {
        byte[] der = RevocationPki.Crl(_root, [_leaf]);
        byte[][] seeds = [der, Ascii(PemEncoding.WriteString("X509 CRL", der) + "\n"), RevocationPki.Crl(_root, [])];

        int runs = Fuzzer.Run(seeds, input => CertificateRevocationLists.Check(input, "fuzz"), e => e is TlsConfigurationException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    private static void LoadKey(string path, byte[] input, PrivateKeySource source)
    {
        File.WriteAllBytes(path, input);
        using SafePrivateKeyHandle key = PrivateKeyLoader.Load(source);
        Assert.False(key.IsInvalid);
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
