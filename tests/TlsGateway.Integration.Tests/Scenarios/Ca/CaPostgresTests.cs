using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// The CA on a PostgreSQL 15 store (a throwaway cluster on loopback): the operator CLI works
/// against it unchanged, and two CA processes issuing at once into one database — several
/// replicas sharing a store — keep one unbroken audit chain.
/// </summary>
public sealed class CaPostgresTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Init_issue_list_and_audit_verify_work_against_a_PostgreSQL_store()
    {
        string store = await postgres.CreateDatabaseAsync();
        using var ca = new CaDataDirectory();

        string init = await ca.InitAsync(extra: ["--store", store]);
        JsonElement issued = await ca.IssueAsync("web", "spiffe://example.org/ns/shop/sa/web");
        string serial = issued.GetProperty("serial").GetString()!;
        string list = await ca.RunOkAsync(["cert", "list"]);
        using JsonDocument listJson = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--json"]));
        ProcessResult verify = await ca.RunAsync(["audit", "verify"]);
        using JsonDocument status = JsonDocument.Parse(await ca.RunOkAsync(["ca", "status", "--json"]));
        ProcessResult openssl = await ProcessRunner.RunAsync("openssl",
            ["verify", "-CAfile", ca.PathOf("web", "bundle.pem"), "-untrusted", ca.PathOf("web", "cert.pem"), ca.PathOf("web", "cert.pem")]);

        Assert.False(File.Exists(ca.Database), "with --store postgres://… no SQLite file is made");
        Assert.Contains(serial, list);
        Assert.Equal(serial, Assert.Single(listJson.RootElement.EnumerateArray()).GetProperty("serial").GetString());
        Assert.True(verify.ExitCode == 0, verify.Combined);
        // init, then key-use + issue from `cert issue`; listing and status unlock no key.
        Assert.Contains("intact: 3 events", verify.StandardOutput);
        Assert.StartsWith("postgres://", status.RootElement.GetProperty("store").GetString());
        Assert.True(openssl.ExitCode == 0, openssl.Combined);
        Assert.DoesNotContain(PostgresServer.Password, init + list + verify.Combined + status.RootElement.GetRawText());
    }

    [Fact]
    public async Task Two_CA_processes_issuing_at_once_into_one_database_keep_one_intact_audit_chain()
    {
        string store = await postgres.CreateDatabaseAsync();
        using var ca = new CaDataDirectory();
        await ca.InitAsync(extra: ["--store", store]);
        string[] bench = ["ca", "bench", "--count", "300", "--warmup", "1", "--concurrency", "4", "--json"];

        ProcessResult[] replicas = await Task.WhenAll(ca.RunAsync(bench, timeout: TimeSpan.FromSeconds(60)), ca.RunAsync(bench, timeout: TimeSpan.FromSeconds(60)));
        ProcessResult verify = await ca.RunAsync(["audit", "verify", "--json"]);
        using JsonDocument verification = JsonDocument.Parse(verify.StandardOutput);
        using JsonDocument ledger = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--all", "--json"]));
        List<string> serials = ledger.RootElement.EnumerateArray().Select(r => r.GetProperty("serial").GetString()!).ToList();

        Assert.All(replicas, r => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.Combined));
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.True(verification.RootElement.GetProperty("ok").GetBoolean());
        // 2 × (key-use + 300 measured + 1 warm-up issuances) plus the init event.
        Assert.Equal(605, verification.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(602, serials.Count);
        Assert.Equal(serials.Count, serials.Distinct(StringComparer.Ordinal).Count());
    }
}
