using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// SM2 certificates from the CLI as operators get them: `cert issue --key-type sm2` from an SM2
/// CA, and the SM2 hierarchy `tlsgw up` keeps beside its ECDSA one. OpenSSL 3.0 checks an SM2
/// signature under one distinguishing ID per run (`-vfyopt distid:` applies to the link being
/// verified only), so SM2 chains are checked link by link, as in the CA's Sm2IssuanceTests.
/// </summary>
public sealed partial class Sm2CertificateTests
{
    private const string Workload = "spiffe://example.org/ns/shop/sa/web";
    private const string StandardId = "distid:1234567812345678";

    [Fact]
    public async Task Cert_issue_with_key_type_sm2_writes_an_sm2_chain_from_an_sm2_ca_and_renew_keeps_it_sm2()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync(extra: ["--key-type", "sm2"]);

        await ca.IssueAsync("web", Workload, ["--key-type", "sm2", "--dns", "web.shop.svc"]);
        await ca.RunOkAsync(["cert", "renew", "--in", ca.PathOf("web"), "--out", ca.PathOf("renewed")]);
        string inspect = await ca.RunOkAsync(["cert", "inspect", ca.PathOf("renewed", "cert.pem")]);

        Assert.Contains("SM2 256", inspect);
        Assert.Contains("SM2-with-SM3", inspect);
        foreach (string name in new[] { "web", "renewed" })
        {
            string[] chain = Certificates(ca.PathOf(name, "cert.pem"));
            string[] roots = Certificates(ca.PathOf(name, "bundle.pem"));
            ProcessResult text = await ProcessRunner.RunAsync("openssl", ["x509", "-in", ca.PathOf(name, "cert.pem"), "-noout", "-text"]);
            ProcessResult key = await ProcessRunner.RunAsync("openssl", ["pkey", "-in", ca.PathOf(name, "key.pem"), "-noout", "-text"]);

            Assert.Equal(2, chain.Length);
            await AssertLinkAsync(ca.PathOf(name), chain[0], chain[1], partial: true);
            await AssertLinkAsync(ca.PathOf(name), chain[1], Assert.Single(roots), partial: false);
            Assert.Contains("Signature Algorithm: SM2-with-SM3", text.StandardOutput);
            Assert.Contains("ASN1 OID: SM2", text.StandardOutput);
            Assert.Contains("DNS:web.shop.svc", text.StandardOutput);
            Assert.True(key.ExitCode == 0, key.Combined);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ca.PathOf(name, "key.pem")));
        }
    }

    [Fact]
    public async Task Up_keeps_an_sm2_hierarchy_beside_the_ecdsa_one_and_curl_still_trusts_the_bundle_holding_both_roots()
    {
        (TlsgwProcess up, string data, int edgePort) = await UpProcess.StartAsync("up-sm2");
        await using TlsgwProcess running = up;
        string bundle = Path.Combine(data, "bundle.pem");
        string sm2Directory = Path.Combine(data, "edge-sm2");

        string[] roots = Certificates(bundle);
        string[] chain = Certificates(Path.Combine(sm2Directory, "cert.pem"));
        ProcessResult ecdsaRoot = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-text"], roots[0]);
        ProcessResult sm2Root = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-text"], roots[^1]);
        ProcessResult leaf = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-text"], chain[0]);
        ProcessResult curl = await ProcessRunner.RunAsync("curl", ["-sS", "--cacert", bundle, $"https://localhost:{edgePort}/"]);
        SClientResult sClient = await OpenSslClient.ConnectAsync($"127.0.0.1:{edgePort}", "localhost", "GET / HTTP/1.0\r\n\r", caFile: bundle);

        Assert.Equal(2, roots.Length);
        Assert.Contains("Signature Algorithm: ecdsa-with-SHA256", ecdsaRoot.StandardOutput);
        Assert.Contains("Signature Algorithm: SM2-with-SM3", sm2Root.StandardOutput);
        await AssertLinkAsync(sm2Directory, roots[^1], roots[^1], partial: false); // self-signed under the standard ID
        Assert.Equal(2, chain.Length);
        await AssertLinkAsync(sm2Directory, chain[0], chain[1], partial: true);
        await AssertLinkAsync(sm2Directory, chain[1], roots[^1], partial: false);
        Assert.Contains("Signature Algorithm: SM2-with-SM3", leaf.StandardOutput);
        Assert.Contains("DNS:localhost", leaf.StandardOutput);
        Assert.Contains("IP Address:127.0.0.1", leaf.StandardOutput);
        Assert.Contains("TLS Web Server Authentication", leaf.StandardOutput);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(sm2Directory, "key.pem")));
        // An SM2 root in the CA file must not stop OpenSSL (curl's and s_client's) from verifying the ECDSA edge.
        Assert.True(curl.ExitCode == 0, curl.Combined);
        Assert.Contains("Hello from the TlsGateway demo upstream", curl.StandardOutput);
        Assert.True(sClient.VerifiedOk, sClient.Output);
        Assert.Equal(0, await up.StopAsync());
    }

    /// <summary>openssl verify of one link: <paramref name="subject"/> signed by <paramref name="issuer"/> under the standard SM2 ID.</summary>
    internal static async Task AssertLinkAsync(string directory, string subject, string issuer, bool partial)
    {
        string subjectFile = Path.Combine(directory, $"link-{Guid.NewGuid():N}.pem");
        string issuerFile = Path.Combine(directory, $"link-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(subjectFile, subject);
        await File.WriteAllTextAsync(issuerFile, issuer);
        ProcessResult verify = await ProcessRunner.RunAsync("openssl",
            ["verify", "-vfyopt", StandardId, .. partial ? new[] { "-partial_chain" } : [], "-CAfile", issuerFile, subjectFile]);
        Assert.True(verify.ExitCode == 0, verify.Combined);
    }

    internal static string[] Certificates(string pemPath) =>
        PemCertificate().Matches(File.ReadAllText(pemPath)).Select(m => m.Value + "\n").ToArray();

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemCertificate();
}
