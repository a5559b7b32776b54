using System.Text.Json;
using Microsoft.Data.Sqlite;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// The CA's operator CLI as a security team scripts it: `ca init`, `cert issue|list|inspect`,
/// `audit verify`, checked with the real openssl CLI, and the exit codes scripts rely on
/// (0 done, 1 refused or check failed, 2 bad input or setup).
/// </summary>
public sealed class CaCliTests
{
    private const string Workload = "spiffe://example.org/ns/shop/sa/web";

    [Fact]
    public async Task An_issued_certificate_verifies_with_openssl_against_the_bundle_written_beside_it()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();

        JsonElement report = await ca.IssueAsync("web", Workload);
        string cert = ca.PathOf("web", "cert.pem");
        ProcessResult verify = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", ca.PathOf("web", "bundle.pem"), "-untrusted", cert, cert]);
        ProcessResult serial = await ProcessRunner.RunAsync("openssl", ["x509", "-in", cert, "-noout", "-serial"]);

        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.Contains($"{cert}: OK", verify.StandardOutput);
        Assert.Equal(cert, report.GetProperty("certificate").GetString());
        Assert.Equal(ca.PathOf("web", "key.pem"), report.GetProperty("key").GetString());
        Assert.Equal(Workload, report.GetProperty("spiffe_id").GetString());
        // openssl prints whole octets in upper case ("serial=0A3F…"); the ledger drops leading zeros.
        Assert.Equal(Hex(serial.StandardOutput.Trim().Replace("serial=", "", StringComparison.Ordinal)), Hex(report.GetProperty("serial").GetString()!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ca.PathOf("web", "key.pem")));
        Assert.Equal(1, CaDataDirectory.CountCertificates(ca.PathOf("web", "bundle.pem")));
        Assert.Equal(2, CaDataDirectory.CountCertificates(cert));
    }

    [Fact]
    public async Task The_leaf_openssl_sees_is_an_X509_SVID_and_cert_inspect_shows_its_SPIFFE_ID()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.IssueAsync("web", Workload, ["--dns", "web.shop.svc"]);
        string cert = ca.PathOf("web", "cert.pem");

        ProcessResult text = await ProcessRunner.RunAsync("openssl", ["x509", "-in", cert, "-noout", "-text"]);
        string inspect = await ca.RunOkAsync(["cert", "inspect", cert]);
        using JsonDocument inspectJson = JsonDocument.Parse(await ca.RunOkAsync(["cert", "inspect", cert, "--json"]));

        Assert.Contains("CA:FALSE", text.StandardOutput);
        Assert.Contains("X509v3 Key Usage: critical", text.StandardOutput);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text.StandardOutput);
        Assert.Contains($"URI:{Workload}", text.StandardOutput);
        Assert.Contains("DNS:web.shop.svc", text.StandardOutput);
        Assert.DoesNotContain("Certificate Sign", text.StandardOutput);
        Assert.Contains(Workload, inspect);
        Assert.Contains("web.shop.svc", inspect);
        Assert.Equal([Workload], inspectJson.RootElement.GetProperty("uris").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal("active", inspectJson.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_CSR_made_by_openssl_is_signed_and_the_requester_keeps_its_key()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string key = ca.PathOf("requester.key");
        string csr = ca.PathOf("requester.csr");
        await RunOpenSslAsync(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
        await RunOpenSslAsync(["req", "-new", "-key", key, "-subj", "/", "-addext", $"subjectAltName=URI:{Workload}", "-out", csr]);

        string output = await ca.RunOkAsync(["cert", "issue", "--csr", csr, "--out", ca.PathOf("from-csr"), "--json"]);
        using JsonDocument report = JsonDocument.Parse(output);
        ProcessResult verify = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", ca.PathOf("from-csr", "bundle.pem"), "-untrusted", ca.Generation(1, "ca-cert.pem"), ca.PathOf("from-csr", "cert.pem")]);
        ProcessResult leafKey = await ProcessRunner.RunAsync("openssl", ["x509", "-in", ca.PathOf("from-csr", "cert.pem"), "-noout", "-pubkey"]);
        ProcessResult requesterKey = await ProcessRunner.RunAsync("openssl", ["pkey", "-in", key, "-pubout"]);

        Assert.Equal(Workload, report.RootElement.GetProperty("spiffe_id").GetString());
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("key").ValueKind);
        Assert.False(File.Exists(ca.PathOf("from-csr", "key.pem")), "with --csr the requester keeps its key: no key.pem");
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.Equal(requesterKey.StandardOutput, leafKey.StandardOutput);
    }

    [Fact]
    public async Task Cert_list_expiring_within_48h_shows_a_fresh_24h_certificate()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string serial = (await ca.IssueAsync("web", Workload)).GetProperty("serial").GetString()!;
        string longLived = (await ca.IssueAsync("batch", "spiffe://example.org/ns/shop/sa/batch", ["--ttl", "30d"])).GetProperty("serial").GetString()!;

        using JsonDocument expiring = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--expiring", "48h", "--json"]));
        string table = await ca.RunOkAsync(["cert", "list", "--expiring", "48h"]);

        JsonElement row = Assert.Single(expiring.RootElement.EnumerateArray());
        Assert.Equal(serial, row.GetProperty("serial").GetString());
        Assert.Equal(Workload, row.GetProperty("spiffe_id").GetString());
        Assert.Equal("active", row.GetProperty("status").GetString());
        Assert.Contains(serial, table);
        Assert.DoesNotContain(longLived, table);
    }

    [Fact]
    public async Task Exit_codes_tell_a_denied_issuance_from_bad_input()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();

        ProcessResult otherDomain = await ca.RunAsync(["cert", "issue", "--spiffe-id", "spiffe://other.org/ns/a/sa/b", "--out", ca.PathOf("x")]);
        ProcessResult badTtl = await ca.RunAsync(["cert", "issue", "--spiffe-id", Workload, "--ttl", "banana", "--out", ca.PathOf("y")]);
        ProcessResult secondInit = await ca.RunAsync(["ca", "init", "--trust-domain", "example.org"]);

        Assert.Equal(1, otherDomain.ExitCode);
        Assert.Contains("denied", otherDomain.StandardError);
        Assert.Contains("other.org", otherDomain.StandardError);
        Assert.False(Directory.Exists(ca.PathOf("x")), "a denied issuance writes no files");
        Assert.Equal(2, badTtl.ExitCode);
        Assert.Contains("--ttl 'banana'", badTtl.StandardError);
        Assert.Equal(2, secondInit.ExitCode);
        Assert.Contains("already exists", secondInit.StandardError);
    }

    /// <summary>
    /// Flags the parser itself rejects are bad input too: exit 2, like `--ttl banana`, never 1,
    /// which scripts read as "the CA refused" (CaContext.ExitCodes: "2 = bad flags, no CA, …").
    /// </summary>
    [Theory]
    [InlineData("ca bench --count banana", "banana")]
    [InlineData("cert issue --spiffe-id spiffe://example.org/ns/shop/sa/web --out OUT --bogus", "--bogus")]
    [InlineData("cert issue --spiffe-id spiffe://example.org/ns/shop/sa/web", "--out")]
    public async Task A_flag_the_parser_rejects_exits_2_like_any_bad_input(string command, string named)
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();

        ProcessResult result = await ca.RunAsync(command.Replace("OUT", ca.PathOf("out"), StringComparison.Ordinal).Split(' '));

        Assert.Contains(named, result.StandardError);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Audit_verify_passes_an_intact_log_and_names_the_first_altered_event()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.IssueAsync("web", Workload);
        await ca.RunAsync(["cert", "issue", "--spiffe-id", "spiffe://other.org/ns/a/sa/b", "--out", ca.PathOf("denied")]);

        ProcessResult intact = await ca.RunAsync(["audit", "verify"]);
        string export = await ca.RunOkAsync(["audit", "export"]);
        // Behind the CA's back, the way an intruder covering tracks would: rewrite event 2's detail.
        using (var connection = new SqliteConnection($"Data Source={ca.Database};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand update = connection.CreateCommand();
            update.CommandText = "UPDATE audit SET detail = 'x' WHERE sequence = 2";
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        ProcessResult broken = await ca.RunAsync(["audit", "verify"]);

        Assert.True(intact.ExitCode == 0, intact.Combined);
        Assert.Contains("intact", intact.StandardOutput);
        // Each command that unlocked the signing key (both `cert issue`s) recorded a key-use event.
        Assert.Contains("5 events", intact.StandardOutput);
        Assert.Equal(["init", "key-use", "issue", "key-use", "deny"], export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Kind));
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("BROKEN at event 2", broken.StandardOutput);
    }

    private static string Kind(string exportedLine)
    {
        using JsonDocument line = JsonDocument.Parse(exportedLine);
        return line.RootElement.GetProperty("kind").GetString()!;
    }

    private static string Hex(string text) => text.Trim().TrimStart('0').ToLowerInvariant();

    private static async Task RunOpenSslAsync(string[] arguments)
    {
        ProcessResult result = await ProcessRunner.RunAsync("openssl", arguments);
        Assert.True(result.ExitCode == 0, $"openssl {arguments[0]}: {result.Combined}");
    }
}
