using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// The CA's signing intermediate key generated inside a SoftHSM2 token (pkcs11-tool) and used
/// through `--key pkcs11:…`: the CA signs in the token, no key file for it ever exists, and a
/// wrong PIN fails as bad setup without echoing the PIN.
/// </summary>
public sealed class CaHardwareKeyTests
{
    private const string PinVariable = "TLSGW_CA_TEST_PIN";
    private const string Pin = "4321";
    private const string WrongPin = "975310";
    private const string KeyLabel = "ca-signer";

    [Fact]
    public async Task A_CA_whose_intermediate_key_lives_in_a_PKCS11_token_issues_certificates_openssl_verifies()
    {
        using SoftHsmToken token = await SoftHsmToken.CreateAsync("tlsgw-ca", Pin);
        await token.GenerateEcKeyAsync(KeyLabel);
        using var ca = new CaDataDirectory();
        Dictionary<string, string> environment = token.Environment((PinVariable, Pin));

        await ca.InitAsync(extra: [.. TokenKey(token), .. Pkcs11(token)], environment: environment);
        await ca.IssueAsync("web", "spiffe://example.org/ns/shop/sa/web", Pkcs11(token), environment);
        ProcessResult verify = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", ca.PathOf("web", "bundle.pem"), "-untrusted", ca.PathOf("web", "cert.pem"), ca.PathOf("web", "cert.pem")]);
        string tokenPublicKey = ca.PathOf("token-key.der");
        await token.ExportPublicKeyAsync(KeyLabel, tokenPublicKey);
        ProcessResult tokenKeyPem = await ProcessRunner.RunAsync("openssl", ["pkey", "-pubin", "-inform", "DER", "-in", tokenPublicKey]);
        ProcessResult intermediateKeyPem = await ProcessRunner.RunAsync("openssl", ["x509", "-in", ca.Generation(1, "ca-cert.pem"), "-noout", "-pubkey"]);

        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.False(File.Exists(ca.Generation(1, "ca-key.pem")), "the intermediate key is in the token; no ca-key.pem may exist");
        Assert.Contains("BEGIN PUBLIC KEY", tokenKeyPem.StandardOutput);
        Assert.Equal(tokenKeyPem.StandardOutput, intermediateKeyPem.StandardOutput);
        // The only private keys on disk are the (encrypted) root's and the workload's own.
        Assert.DoesNotContain(Directory.GetFiles(ca.Path, "*", SearchOption.AllDirectories),
            f => File.ReadAllText(f).Contains("PRIVATE KEY", StringComparison.Ordinal) && !f.EndsWith("root-key.pem", StringComparison.Ordinal)
                && !f.StartsWith(ca.PathOf("web"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_PIN_is_a_setup_error_that_never_shows_the_PIN()
    {
        using SoftHsmToken token = await SoftHsmToken.CreateAsync("tlsgw-ca", Pin);
        await token.GenerateEcKeyAsync(KeyLabel);
        using var ca = new CaDataDirectory();
        await ca.InitAsync(extra: [.. TokenKey(token), .. Pkcs11(token)], environment: token.Environment((PinVariable, Pin)));

        ProcessResult issue = await ca.RunAsync(
            ["cert", "issue", "--spiffe-id", "spiffe://example.org/ns/shop/sa/web", "--out", ca.PathOf("web"), .. Pkcs11(token)],
            token.Environment((PinVariable, WrongPin)));
        using var other = new CaDataDirectory();
        ProcessResult init = await other.RunAsync(["ca", "init", "--trust-domain", "example.org", .. TokenKey(token), .. Pkcs11(token)],
            token.Environment((PinVariable, WrongPin)));

        Assert.Equal(2, issue.ExitCode);
        Assert.Contains("PIN incorrect", issue.StandardError);
        Assert.DoesNotContain(WrongPin, issue.Combined);
        Assert.False(File.Exists(ca.PathOf("web", "cert.pem")));
        Assert.Equal(2, init.ExitCode);
        Assert.Contains("PIN incorrect", init.StandardError);
        Assert.DoesNotContain(WrongPin, init.Combined);
    }

    private static string[] TokenKey(SoftHsmToken token) => ["--key", $"pkcs11:token={token.Label};object={KeyLabel}"];

    private static string[] Pkcs11(SoftHsmToken token) => ["--pkcs11-module", token.Module, "--pkcs11-pin", $"env:{PinVariable}"];
}
