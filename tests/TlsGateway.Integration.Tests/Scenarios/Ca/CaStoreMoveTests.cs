using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// The operators' runbook "move from SQLite to PostgreSQL", run with the real CLI against a
/// throwaway PostgreSQL 15 cluster: a CA that has issued and revoked is copied with
/// `ca store copy --switch`, and afterwards the same commands show the same history from the
/// new store, the audit chain verifies across the move, and the CA keeps issuing.
/// </summary>
public sealed class CaStoreMoveTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const string Web = "spiffe://example.org/ns/shop/sa/web";

    [Fact]
    public async Task A_CA_moved_from_SQLite_to_PostgreSQL_shows_the_same_history_and_keeps_issuing()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string[] serials = new string[3];
        for (int i = 0; i < serials.Length; i++)
        {
            serials[i] = (await ca.IssueAsync($"leaf-{i}", $"{Web}-{i}")).GetProperty("serial").GetString()!;
        }

        await ca.RunOkAsync(["cert", "revoke", serials[1], "--reason", "key-compromise"]);
        await ca.RunOkAsync(["ca", "token", "create", "--identity", "spiffe://example.org/agent/node-1", "--ttl", "15m"]);
        string ledgerBefore = await ca.RunOkAsync(["cert", "list", "--all", "--json"]);
        string tokensBefore = await ca.RunOkAsync(["ca", "token", "list", "--json"]);
        string[] auditBefore = Lines(await ca.RunOkAsync(["audit", "export"]));
        string store = WithoutPassword(await postgres.CreateDatabaseAsync());

        string copy = await ca.RunOkAsync(["ca", "store", "copy", "--to", store, "--switch"]);

        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(ca.PathOf("ca", "ca.json")));
        ProcessResult verify = await ca.RunAsync(["audit", "verify"]);
        string[] auditAfter = Lines(await ca.RunOkAsync(["audit", "export"]));
        using JsonDocument status = JsonDocument.Parse(await ca.RunOkAsync(["ca", "status", "--json"]));
        Assert.Contains($"copied sqlite:{ca.Database} to postgres://", copy);
        Assert.Matches(@"certificates\s+3\n", copy);
        Assert.Equal(store, settings.RootElement.GetProperty("Store").GetString());
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.Contains($"audit chain intact: {auditBefore.Length + 1} events", verify.StandardOutput);
        Assert.Equal(auditBefore, auditAfter[..auditBefore.Length]);
        Assert.Contains("\"kind\":\"store-copy\"", auditAfter[^1]);
        Assert.Equal(ledgerBefore, await ca.RunOkAsync(["cert", "list", "--all", "--json"]));
        Assert.Equal(tokensBefore, await ca.RunOkAsync(["ca", "token", "list", "--json"]));
        Assert.StartsWith("postgres://", status.RootElement.GetProperty("store").GetString());

        string issued = (await ca.IssueAsync("after-move", Web)).GetProperty("serial").GetString()!;
        using JsonDocument ledger = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--all", "--json"]));
        ProcessResult verifyAfterIssue = await ca.RunAsync(["audit", "verify", "--json"]);
        using JsonDocument chain = JsonDocument.Parse(verifyAfterIssue.StandardOutput);
        ProcessResult oldStore = await ca.RunAsync(["audit", "verify", "--store", ca.Database]);
        Assert.Equal(
            serials.Append(issued).Order(StringComparer.Ordinal),
            ledger.RootElement.EnumerateArray().Select(r => r.GetProperty("serial").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal("revoked", ledger.RootElement.EnumerateArray().Single(r => r.GetProperty("serial").GetString() == serials[1]).GetProperty("status").GetString());
        Assert.True(chain.RootElement.GetProperty("ok").GetBoolean(), verifyAfterIssue.Combined);
        // The move, then key-use + issue from `cert issue`.
        Assert.Equal(auditBefore.Length + 3, chain.RootElement.GetProperty("events").GetInt32());
        // The source is only read: still its own history, without the copy event.
        Assert.Contains($"audit chain intact: {auditBefore.Length} events", oldStore.StandardOutput);
    }

    [Fact]
    public async Task A_password_in_the_destination_is_used_for_the_copy_refused_for_switch_and_never_printed()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.IssueAsync("web", Web);
        string settingsBefore = File.ReadAllText(ca.PathOf("ca", "ca.json"));
        string store = await postgres.CreateDatabaseAsync();
        Assert.Contains(PostgresServer.Password, store);

        ProcessResult switching = await ca.RunAsync(["ca", "store", "copy", "--to", store, "--switch"]);
        ProcessResult copy = await ca.RunAsync(["ca", "store", "copy", "--to", store]);
        ProcessResult again = await ca.RunAsync(["ca", "store", "copy", "--to", store, "--json"]);
        ProcessResult verify = await ca.RunAsync(["audit", "verify", "--store", store]);

        Assert.Equal(2, switching.ExitCode);
        Assert.Contains("--to carries a password, and --switch would write it into", switching.StandardError);
        Assert.Contains("PGPASSWORD or ~/.pgpass", switching.StandardError);
        Assert.Equal(settingsBefore, File.ReadAllText(ca.PathOf("ca", "ca.json")));
        Assert.True(copy.ExitCode == 0, copy.Combined);
        Assert.Contains("the CA still uses sqlite:", copy.StandardOutput);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not empty (it holds 1 generation, 1 certificate, 0 bootstrap tokens, 4 audit events", again.StandardError);
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.All([switching, copy, again, verify], r => Assert.DoesNotContain(PostgresServer.Password, r.Combined));
    }

    [Fact]
    public async Task Bad_arguments_exit_2_and_a_copy_onto_the_store_in_use_exits_1()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();

        ProcessResult missingTo = await ca.RunAsync(["ca", "store", "copy"]);
        ProcessResult foreignScheme = await ca.RunAsync(["ca", "store", "copy", "--to", $"postgress://ca:{PostgresServer.Password}@db/ca"]);
        ProcessResult ontoItself = await ca.RunAsync(["ca", "store", "copy", "--to", ca.Database]);

        Assert.Equal(2, missingTo.ExitCode);
        Assert.Equal(2, foreignScheme.ExitCode);
        Assert.Contains("only postgres:// and postgresql:// URLs name stores", foreignScheme.StandardError);
        Assert.DoesNotContain(PostgresServer.Password, foreignScheme.Combined);
        Assert.Equal(1, ontoItself.ExitCode);
        Assert.Contains("the source and the destination are the same store", ontoItself.StandardError);
    }

    private static string WithoutPassword(string uri) => uri.Replace($":{PostgresServer.Password}@", "@", StringComparison.Ordinal);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
