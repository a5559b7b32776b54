using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// Revocation as relying parties see it: `tlsgw cert revoke`, then `tlsgw ca serve` answering the
/// real openssl CLI over OCSP (RFC 6960, POST and the Appendix A.1 GET form) and with a signed CRL
/// (RFC 5280 §5) that `openssl verify -crl_check` honours.
/// </summary>
public sealed class CaRevocationTests
{
    [Fact]
    public async Task A_revoked_leaf_is_revoked_over_OCSP_and_in_the_CRL_while_its_sibling_stays_good()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string revokedSerial = (await ca.IssueAsync("stolen", "spiffe://example.org/ns/shop/sa/web")).GetProperty("serial").GetString()!;
        await ca.IssueAsync("fine", "spiffe://example.org/ns/shop/sa/api");
        string revokeOutput = await ca.RunOkAsync(["cert", "revoke", revokedSerial, "--reason", "key-compromise"]);
        // Revoked before the server starts, so its first CRL already lists it (CRLs are cached up to a minute).
        int port = FreePort.Next();
        await using TlsgwProcess serve = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{port}", "--grpc-listen", "off"]);
        await serve.WaitForPortAsync(port);

        ProcessResult stolenOcsp = await OcspAsync(ca, port, "stolen");
        ProcessResult fineOcsp = await OcspAsync(ca, port, "fine");
        string crl = await FetchCrlAsync(ca, port);
        ProcessResult stolenCrl = await VerifyWithCrlAsync(ca, "stolen", crl);
        ProcessResult fineCrl = await VerifyWithCrlAsync(ca, "fine", crl);
        ProcessResult crlText = await ProcessRunner.RunAsync("openssl", ["crl", "-in", crl, "-noout", "-text"]);

        Assert.Contains(revokedSerial, revokeOutput);
        Assert.True(stolenOcsp.ExitCode == 0, stolenOcsp.Combined);
        Assert.Contains("Response verify OK", stolenOcsp.StandardError);
        Assert.Contains($"{ca.PathOf("stolen", "cert.pem")}: revoked", stolenOcsp.StandardOutput);
        Assert.Contains("Reason: keyCompromise", stolenOcsp.StandardOutput);
        Assert.Contains("Response verify OK", fineOcsp.StandardError);
        Assert.Contains($"{ca.PathOf("fine", "cert.pem")}: good", fineOcsp.StandardOutput);
        Assert.NotEqual(0, stolenCrl.ExitCode);
        Assert.Contains("certificate revoked", stolenCrl.Combined);
        Assert.True(fineCrl.ExitCode == 0, fineCrl.Combined);
        Assert.Contains("Next Update:", crlText.StandardOutput);
        Assert.Contains("Key Compromise", crlText.StandardOutput);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task The_OCSP_GET_form_answers_like_POST_and_sees_a_revocation_made_while_serving()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string serial = (await ca.IssueAsync("web", "spiffe://example.org/ns/shop/sa/web")).GetProperty("serial").GetString()!;
        int port = FreePort.Next();
        await using TlsgwProcess serve = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{port}", "--grpc-listen", "off"]);
        await serve.WaitForPortAsync(port);

        string before = await OcspGetAsync(ca, port, "web");
        // Another operator revokes through the CLI; OCSP reads the shared ledger on every request.
        await ca.RunOkAsync(["cert", "revoke", serial, "--reason", "superseded"]);
        string after = await OcspGetAsync(ca, port, "web");

        Assert.Contains($"{ca.PathOf("web", "cert.pem")}: good", before);
        Assert.Contains($"{ca.PathOf("web", "cert.pem")}: revoked", after);
        Assert.Contains("Reason: superseded", after);
        Assert.Equal(0, await serve.StopAsync());
    }

    private static string Url(int port) => $"http://127.0.0.1:{port}/ca/ocsp";

    private static Task<ProcessResult> OcspAsync(CaDataDirectory ca, int port, string leaf) =>
        ProcessRunner.RunAsync("openssl",
        [
            "ocsp", "-issuer", ca.Generation(1, "ca-cert.pem"), "-cert", ca.PathOf(leaf, "cert.pem"),
            "-url", Url(port), "-CAfile", ca.PathOf(leaf, "bundle.pem"),
        ]);

    /// <summary>RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER OCSPRequest}, fetched with curl, checked by openssl.</summary>
    private static async Task<string> OcspGetAsync(CaDataDirectory ca, int port, string leaf)
    {
        string request = ca.PathOf(leaf, "ocsp-request.der");
        string response = ca.PathOf(leaf, "ocsp-response.der");
        string[] identify = ["-issuer", ca.Generation(1, "ca-cert.pem"), "-cert", ca.PathOf(leaf, "cert.pem"), "-no_nonce"];
        ProcessResult made = await ProcessRunner.RunAsync("openssl", ["ocsp", .. identify, "-reqout", request]);
        Assert.True(made.ExitCode == 0, made.Combined);
        string encoded = Uri.EscapeDataString(Convert.ToBase64String(await File.ReadAllBytesAsync(request)));
        ProcessResult fetched = await ProcessRunner.RunAsync("curl", ["-sS", "--fail", "-o", response, $"{Url(port)}/{encoded}"]);
        Assert.True(fetched.ExitCode == 0, fetched.Combined);
        ProcessResult checkedResponse = await ProcessRunner.RunAsync("openssl",
            ["ocsp", "-respin", response, .. identify, "-CAfile", ca.PathOf(leaf, "bundle.pem")]);
        Assert.True(checkedResponse.ExitCode == 0, checkedResponse.Combined);
        Assert.Contains("Response verify OK", checkedResponse.StandardError);
        return checkedResponse.StandardOutput;
    }

    /// <summary>GET /ca/crl (DER, RFC 2585 media type) with curl; returns the path of the PEM form.</summary>
    private static async Task<string> FetchCrlAsync(CaDataDirectory ca, int port)
    {
        string der = ca.PathOf("crl.der");
        string pem = ca.PathOf("crl.pem");
        ProcessResult fetched = await ProcessRunner.RunAsync("curl",
            ["-sS", "--fail", "-o", der, "-w", "%{content_type}", $"http://127.0.0.1:{port}/ca/crl"]);
        Assert.True(fetched.ExitCode == 0, fetched.Combined);
        Assert.Equal("application/pkix-crl", fetched.StandardOutput);
        ProcessResult converted = await ProcessRunner.RunAsync("openssl", ["crl", "-inform", "DER", "-in", der, "-out", pem]);
        Assert.True(converted.ExitCode == 0, converted.Combined);
        return pem;
    }

    private static Task<ProcessResult> VerifyWithCrlAsync(CaDataDirectory ca, string leaf, string crl) =>
        ProcessRunner.RunAsync("openssl",
        [
            "verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca.PathOf(leaf, "bundle.pem"),
            "-untrusted", ca.PathOf(leaf, "cert.pem"), ca.PathOf(leaf, "cert.pem"),
        ]);
}
