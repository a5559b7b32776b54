using System.Text;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Crypto;

namespace TlsGateway.Ca.Tests;

/// <summary>CA keys on disk: encrypted PKCS#8 only, mode 0600, useless without the passphrase.</summary>
public sealed class CaKeyFileTests
{
    [Theory]
    [InlineData(CaLayout.CaKeyFile)]
    [InlineData(CaLayout.RootKeyFile)]
    public async Task A_key_written_by_bootstrap_is_encrypted_pkcs8_with_mode_0600(string name)
    {
        await using TestCa ca = await TestCa.CreateAsync(kdfIterations: Interop.NativeSigning.DefaultKdfIterations);

        string keyFile = Path.Combine(ca.Layout.Generation(1), name);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        string pem = await File.ReadAllTextAsync(keyFile);
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        Assert.Single(PemText.DecodeAll(pem, "ENCRYPTED PRIVATE KEY"));
        // PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256 at 600,000 (0x927C0) iterations, not OpenSSL's default 2,048.
        ProcessResult structure = await OpenSsl.RunAsync(ca.Directory.Path, "asn1parse", "-in", keyFile);
        Assert.Contains(":PBES2", structure.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(":PBKDF2", structure.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("INTEGER           :0927C0", structure.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(":hmacWithSHA256", structure.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(":aes-256-cbc", structure.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CaLayout.CaKeyFile)]
    [InlineData(CaLayout.RootKeyFile)]
    public async Task Openssl_cannot_open_the_key_with_a_wrong_passphrase_but_can_with_the_right_one(string name)
    {
        await using TestCa ca = await TestCa.CreateAsync();
        string keyFile = Path.Combine(ca.Layout.Generation(1), name);

        ProcessResult wrong = await OpenSsl.RunAsync(ca.Directory.Path, "pkey", "-in", keyFile, "-passin", "pass:WRONG", "-noout");
        ProcessResult empty = await OpenSsl.RunAsync(ca.Directory.Path, "pkey", "-in", keyFile, "-passin", "pass:", "-noout");
        ProcessResult right = await OpenSsl.RunAsync(ca.Directory.Path, "pkey", "-in", keyFile, "-passin", $"file:{ca.PassphraseFile}", "-noout");

        Assert.False(wrong.Succeeded, wrong.Combined);
        Assert.False(empty.Succeeded, empty.Combined);
        Assert.True(right.Succeeded, right.Combined);
    }

    [Theory]
    [InlineData("ecdsa-p384")]
    [InlineData("rsa-3072")]
    public async Task The_key_type_asked_for_is_the_key_type_on_disk(string keyType)
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Parse(keyType));
        string keyFile = Path.Combine(ca.Layout.Generation(1), CaLayout.CaKeyFile);

        ProcessResult text = await OpenSsl.RunCheckedAsync(ca.Directory.Path, "pkey", "-in", keyFile, "-passin", $"file:{ca.PassphraseFile}",
            "-noout", "-text_pub");

        Assert.Contains(keyType == "rsa-3072" ? "3072 bit" : "384 bit", text.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(CaKeyType.Parse(keyType), ca.Authority.State.Active!.Signer!.KeyType);
    }

    [Fact]
    public async Task No_file_under_the_data_directory_holds_an_unencrypted_private_key()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        await new RootRotation(ca.Authority, ca.Layout, ca.Time).RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(crossSign: true), TestCa.Operator);
        await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));

        foreach (string file in Directory.EnumerateFiles(ca.Layout.DataDirectory, "*", SearchOption.AllDirectories))
        {
            string text = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            Assert.DoesNotContain("-----BEGIN PRIVATE KEY-----", text, StringComparison.Ordinal);
            Assert.DoesNotContain("-----BEGIN EC PRIVATE KEY-----", text, StringComparison.Ordinal);
            Assert.DoesNotContain("-----BEGIN RSA PRIVATE KEY-----", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Generation_directories_are_private_to_the_owner()
    {
        await using TestCa ca = await TestCa.CreateAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(ca.Layout.Generation(1)));
    }

    [Fact]
    public async Task Opening_the_ca_with_a_wrong_passphrase_fails_with_a_ca_error()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        string wrong = ca.Directory.Write("wrong-passphrase", "not-the-passphrase\n");

        CaException error = await Assert.ThrowsAsync<CaException>(() =>
            CertificateAuthority.OpenAsync(ca.Store, TestCa.TrustDomain, new CaKeyAccess(SecretSource.FromFile(wrong)), null, ca.Time));

        Assert.Contains("generation 1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-passphrase", error.Message, StringComparison.Ordinal);
    }
}
