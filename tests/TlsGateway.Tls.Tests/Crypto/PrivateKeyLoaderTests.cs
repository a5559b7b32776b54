using System.Security.Cryptography;
using TlsGateway.Interop;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Crypto.Tests;

public sealed class PrivateKeyLoaderTests : IDisposable
{
    // EVP_PKEY_RSA and EVP_PKEY_EC from openssl/evp.h.
    private const int EvpPkeyRsa = 6;
    private const int EvpPkeyEc = 408;

    private const string Passphrase = "correct horse battery staple";

    private static readonly PbeParameters s_pbe = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);

    private readonly TempDirectory _directory = new();
    private readonly ECDsa _ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _ecKey.Dispose();
        _directory.Dispose();
    }

    private string WriteEncryptedKey() => _directory.Write("encrypted.key", _ecKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, s_pbe));

    private static (int BaseId, int Bits) LoadInfo(PrivateKeySource source)
    {
        using SafePrivateKeyHandle key = PrivateKeyLoader.Load(source);
        Assert.False(key.IsInvalid);
        return NativeKeys.GetInfo(key);
    }

    [Fact]
    public void A_pkcs1_rsa_key_loads()
    {
        using RSA rsa = RSA.Create(2048);
        string path = _directory.Write("rsa.key", rsa.ExportRSAPrivateKeyPem());

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(path));
        Assert.Equal((EvpPkeyRsa, 2048), LoadInfo(new PrivateKeySource(path)));
    }

    [Fact]
    public void A_sec1_ec_key_loads()
    {
        string path = _directory.Write("ec.key", _ecKey.ExportECPrivateKeyPem());

        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(path));
        Assert.Equal((EvpPkeyEc, 256), LoadInfo(new PrivateKeySource(path)));
    }

    [Fact]
    public void A_pkcs8_key_loads()
    {
        string path = _directory.Write("pkcs8.key", _ecKey.ExportPkcs8PrivateKeyPem());

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path));
        Assert.Equal((EvpPkeyEc, 256), LoadInfo(new PrivateKeySource(path)));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("")]
    public void An_encrypted_pkcs8_key_loads_with_the_passphrase_from_the_first_line_of_a_file(string lineEnd)
    {
        string key = WriteEncryptedKey();
        string passphraseFile = _directory.Write("passphrase", Passphrase + lineEnd + (lineEnd.Length > 0 ? "ignored second line\n" : ""));

        Assert.Equal((EvpPkeyEc, 256), LoadInfo(new PrivateKeySource(key, SecretSource.FromFile(passphraseFile))));
    }

    [Fact]
    public void An_encrypted_pkcs8_key_loads_with_the_passphrase_from_an_environment_variable()
    {
        string key = WriteEncryptedKey();
        string variable = "TLSGW_TEST_PASSPHRASE_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Passphrase);
        try
        {
            Assert.Equal((EvpPkeyEc, 256), LoadInfo(new PrivateKeySource(key, SecretSource.FromEnvironment(variable))));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Every_wrong_passphrase_is_reported_as_one_even_when_the_cbc_padding_happens_to_check_out()
    {
        // About one wrong passphrase in 256 decrypts to valid CBC padding, and OpenSSL then fails
        // on decoding rather than with "bad decrypt"; 2,000 tries meet that case almost surely
        // (one PBKDF2 iteration keeps them cheap: the key derivation is not what is tested).
        string key = _directory.Write("cheap-encrypted.key",
            _ecKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1)));
        for (int i = 0; i < 2000; i++)
        {
            string passphraseFile = _directory.Write("wrong-passphrase-" + i, "wrong-" + i);
            var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(key, SecretSource.FromFile(passphraseFile))));
            Assert.Contains("wrong passphrase", error.Message);
            File.Delete(passphraseFile);
        }
    }

    [Fact]
    public void A_wrong_passphrase_is_reported_as_such_without_revealing_the_passphrase()
    {
        string key = WriteEncryptedKey();
        const string wrong = "Tr0ub4dor&3-not-it";
        string passphraseFile = _directory.Write("wrong-passphrase", wrong);

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(key, SecretSource.FromFile(passphraseFile))));

        Assert.Contains("wrong passphrase", error.Message);
        Assert.Contains(key, error.Message);
        Assert.DoesNotContain(wrong, error.Message);
        Assert.DoesNotContain(wrong, error.ToString());
    }

    [Fact]
    public void An_encrypted_key_without_a_passphrase_says_it_is_encrypted()
    {
        string key = WriteEncryptedKey();

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(key)));

        Assert.Contains("is encrypted", error.Message);
        Assert.Contains("give a passphrase", error.Message);
    }

    [Fact]
    public void A_passphrase_environment_variable_that_is_not_set_is_named()
    {
        string key = WriteEncryptedKey();
        string variable = "TLSGW_TEST_UNSET_" + Guid.NewGuid().ToString("N");

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(key, SecretSource.FromEnvironment(variable))));

        Assert.Contains($"'{variable}'", error.Message);
        Assert.Contains("not set", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_pem_key_is_rejected_with_a_message_naming_the_path()
    {
        string path = _directory.Write("garbage.key", "this is not a key\n");

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(path)));

        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains("not a PEM private key", error.Message);
    }

    [Fact]
    public void A_certificate_given_as_the_key_is_not_a_pem_key()
    {
        using var certificate = TestCertificates.CreateSelfSigned("CN=not a key", names: null);
        string path = _directory.Write("cert-as.key", certificate.ExportCertificatePem());

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(path)));

        Assert.Contains("not a PEM private key", error.Message);
    }

    [Fact]
    public void A_missing_key_file_is_reported_as_not_existing()
    {
        string path = _directory.PathOf("missing.key");

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(path)));

        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void An_empty_key_file_is_reported_as_empty()
    {
        string path = _directory.Write("empty.key", "");

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(path)));

        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains("is empty", error.Message);
    }

    [Fact]
    public void A_key_file_over_the_size_limit_is_refused_before_parsing()
    {
        string path = _directory.Write("huge.key", new byte[PrivateKeyLoader.MaxKeyFileBytes + 1]);

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(new PrivateKeySource(path)));

        Assert.Contains($"the limit is {PrivateKeyLoader.MaxKeyFileBytes}", error.Message);
    }

    [Fact]
    public void A_pkcs11_module_that_does_not_exist_is_named_before_any_engine_is_loaded()
    {
        string module = _directory.PathOf("no-such-module.so");
        var source = new PrivateKeySource("pkcs11:token=t;object=k", Pkcs11: new Pkcs11Options(module, Pin: null));

        var error = Assert.Throws<CryptoConfigurationException>(() => PrivateKeyLoader.Load(source));

        Assert.Contains($"'{module}'", error.Message);
        Assert.Contains("does not exist", error.Message);
    }
}
