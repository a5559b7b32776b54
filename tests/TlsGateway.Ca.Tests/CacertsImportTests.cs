using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Crypto;
using TlsGateway.Identity;

namespace TlsGateway.Ca.Tests;

/// <summary>Taking over an intermediate issued by an existing root, from files named as Istio's cacerts.</summary>
public sealed class CacertsImportTests
{
    private static readonly SpiffeId s_web = TestCa.Workload("web");

    [Theory]
    [InlineData("ec")]
    [InlineData("rsa")]
    public async Task An_imported_intermediate_issues_leaves_openssl_verifies_against_the_external_root(string keyType)
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path, keyType);

        await using TestCa ca = await TestCa.ImportAsync(cacerts.Path);
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        (string leaf, string chain, _) = ca.WriteFiles(issued, "web");
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", cacerts.PathOf("root-cert.pem"), "-untrusted", chain, leaf);
        Assert.True(result.Succeeded, result.Combined);
        Assert.Equal(PemText.DecodeFirst(await File.ReadAllTextAsync(cacerts.PathOf("root-cert.pem")), "CERTIFICATE"), Assert.Single(issued.TrustedRoots));
        Assert.Equal(PemText.DecodeFirst(await File.ReadAllTextAsync(cacerts.PathOf("ca-cert.pem")), "CERTIFICATE"), issued.Chain[0]);
        using X509Certificate2 parsed = X509CertificateLoader.LoadCertificate(issued.Certificate);
        Assert.Empty(SvidChecker.Check(parsed, s_web.ToString()));
    }

    [Fact]
    public async Task Leaves_of_an_imported_intermediate_whose_key_identifier_is_not_a_key_hash_still_chain()
    {
        // RFC 5280 §4.2.1.1: the leaf's AKI is the issuer's SKI as written, not recomputed.
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path, intermediateExtensions: "intermediate_explicit_ski_ext");

        await using TestCa ca = await TestCa.ImportAsync(cacerts.Path);
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        (string leaf, string chain, _) = ca.WriteFiles(issued, "web");
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", cacerts.PathOf("root-cert.pem"), "-untrusted", chain, leaf);
        ProcessResult text = await OpenSsl.RunAsync(ca.Directory.Path, "x509", "-in", leaf, "-noout", "-ext", "authorityKeyIdentifier");
        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14", text.StandardOutput, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_intermediate_key_on_a_256_bit_curve_other_than_p256_is_refused()
    {
        // Its size matches P-256, but verifiers would reject its certificates (RFC 5480 curves only).
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path, "secp256k1");

        FormatException error = await Assert.ThrowsAsync<FormatException>(() => TestCa.ImportAsync(cacerts.Path));

        Assert.Contains("curve 1.3.132.0.10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_imported_key_is_rewritten_encrypted_under_the_ca_passphrase_with_mode_0600()
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);

        await using TestCa ca = await TestCa.ImportAsync(cacerts.Path);

        string keyFile = Path.Combine(ca.Layout.Generation(1), CaLayout.CaKeyFile);
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", await File.ReadAllTextAsync(keyFile), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "pkey", "-in", keyFile, "-passin", $"file:{ca.PassphraseFile}", "-noout");
    }

    [Fact]
    public async Task An_encrypted_ca_key_is_opened_with_the_source_passphrase()
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        string sourcePassphrase = cacerts.Write("source-passphrase", "old-pki-secret\n");
        await OpenSsl.RunCheckedAsync(cacerts.Path, "pkcs8", "-topk8", "-in", "ca-key.pem", "-v2", "aes-256-cbc",
            "-passout", "pass:old-pki-secret", "-out", "ca-key.enc.pem");
        File.Move(cacerts.PathOf("ca-key.enc.pem"), cacerts.PathOf("ca-key.pem"), overwrite: true);

        await using TestCa ca = await TestCa.ImportAsync(cacerts.Path, SecretSource.FromFile(sourcePassphrase));
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        Assert.True((await ca.VerifyWithOpenSslAsync(issued, "web")).Succeeded);
    }

    [Fact]
    public async Task A_ca_key_that_does_not_belong_to_ca_cert_is_refused_with_a_clear_error()
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        await ExternalPki.NewKeyFileAsync(cacerts.Path, "ca-key.pem");

        CaException error = await AssertImportRefusedAsync(cacerts.Path);

        Assert.Contains("ca-key.pem does not belong to ca-cert.pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_cacerts_file_is_named_in_the_error()
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        File.Delete(cacerts.PathOf("root-cert.pem"));

        CaException error = await AssertImportRefusedAsync(cacerts.Path);

        Assert.Contains("root-cert.pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_root_cert_with_a_different_name_is_refused()
    {
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        await OpenSsl.RunCheckedAsync(cacerts.Path, "req", "-x509", "-config", "ca.cnf", "-extensions", "root_ext", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other-key.pem", "-out", "root-cert.pem", "-days", "10",
            "-subj", "/O=Somebody Else/CN=Other Root");
        await File.WriteAllTextAsync(cacerts.PathOf("cert-chain.pem"), await File.ReadAllTextAsync(cacerts.PathOf("ca-cert.pem")));

        CaException error = await AssertImportRefusedAsync(cacerts.Path);

        Assert.Contains("is not signed by the key of", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_root_cert_with_the_right_name_but_another_key_is_refused()
    {
        // Matching names is not a chain: the bundle would carry a root that never signed the
        // intermediate and every leaf would fail verification.
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        await ExternalPki.CreateRootAsync(cacerts.Path, "impostor-key.pem", "root-cert.pem");
        await File.WriteAllTextAsync(cacerts.PathOf("cert-chain.pem"), await File.ReadAllTextAsync(cacerts.PathOf("ca-cert.pem")));

        await AssertImportRefusedAsync(cacerts.Path);
    }

    [Fact]
    public async Task A_ca_cert_that_is_not_a_ca_certificate_is_refused()
    {
        // An end-entity certificate in ca-cert.pem signs leaves no verifier will accept.
        using var cacerts = new TempDirectory();
        await ExternalPki.CreateAsync(cacerts.Path);
        await File.AppendAllTextAsync(cacerts.PathOf("ca.cnf"), "[leaf_ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n");
        await OpenSsl.RunCheckedAsync(cacerts.Path, "x509", "-req", "-in", "ca.csr", "-CA", "root-cert.pem", "-CAkey", "root-key.pem",
            "-set_serial", "0x5eee", "-days", "100", "-sha256", "-extfile", "ca.cnf", "-extensions", "leaf_ext", "-out", "ca-cert.pem");
        await File.WriteAllTextAsync(cacerts.PathOf("cert-chain.pem"),
            await File.ReadAllTextAsync(cacerts.PathOf("ca-cert.pem")) + await File.ReadAllTextAsync(cacerts.PathOf("root-cert.pem")));

        await AssertImportRefusedAsync(cacerts.Path);
    }

    /// <summary>Expects the import to fail; should it succeed, the CA it made is still cleaned up.</summary>
    private static async Task<CaException> AssertImportRefusedAsync(string cacertsDirectory)
    {
        return await Assert.ThrowsAsync<CaException>(async () =>
        {
            await using TestCa unexpected = await TestCa.ImportAsync(cacertsDirectory);
        });
    }
}
