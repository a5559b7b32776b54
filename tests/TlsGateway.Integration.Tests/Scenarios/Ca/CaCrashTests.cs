using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// `kill -9` of the CA in the middle of a burst of issuance (`ca bench`, 8 requests in flight):
/// the ledger row and its audit event are one transaction, so afterwards the audit chain is
/// intact, every ledger serial has exactly one "issue" event and every event a row, no serial
/// repeats, and no half-written file is left in the data directory.
/// </summary>
public sealed class CaCrashTests
{
    [Fact]
    public async Task A_CA_killed_mid_burst_leaves_a_consistent_ledger_and_audit_log()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync("bench.local");
        await using TlsgwProcess bench = TlsgwProcess.Start(
            ["ca", "bench", "--data", ca.Path, "--count", "100000", "--concurrency", "8"]);
        var clock = Stopwatch.StartNew();
        long issuedBeforeKill = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && !bench.HasExited
            && (clock.Elapsed < TimeSpan.FromSeconds(1.5) || (issuedBeforeKill = CountRows(ca.Database)) < 50))
        {
            await Task.Delay(100);
        }

        Assert.False(bench.HasExited, "the bench ended before it could be killed:\n" + bench.Output);
        Assert.True(issuedBeforeKill >= 50, $"the bench issued only {issuedBeforeKill} certificates in {clock.Elapsed}:\n{bench.Output}");
        await ProcessRunner.RunAsync("kill", ["-KILL", bench.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(128 + 9, await bench.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        ProcessResult verify = await ca.RunAsync(["audit", "verify"]);
        using JsonDocument ledger = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--all", "--json"]));
        string export = await ca.RunOkAsync(["audit", "export"]);
        List<string> serials = ledger.RootElement.EnumerateArray().Select(r => r.GetProperty("serial").GetString()!).ToList();
        List<string> issueEvents = IssueSubjects(export);
        long rows = CountRows(ca.Database);
        string[] leftovers = Directory.GetFiles(ca.Path, "*.tmp", SearchOption.AllDirectories);
        JsonElement afterCrash = await ca.IssueAsync("after", "spiffe://bench.local/ns/a/sa/b");

        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.Contains("intact", verify.StandardOutput);
        Assert.True(rows >= issuedBeforeKill, $"{rows} ledger rows after the crash, {issuedBeforeKill} seen before it");
        Assert.Equal(rows, serials.Count);
        Assert.Equal(serials.Count, serials.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(issueEvents.Count, issueEvents.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(serials.Order(StringComparer.Ordinal), issueEvents.Order(StringComparer.Ordinal));
        Assert.Empty(leftovers);
        Assert.False(string.IsNullOrEmpty(afterCrash.GetProperty("serial").GetString()));
    }

    /// <summary>The subjects of every "issue" event in `audit export` (JSON lines): the serials issued.</summary>
    private static List<string> IssueSubjects(string export)
    {
        var subjects = new List<string>();
        foreach (string line in export.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument e = JsonDocument.Parse(line);
            if (e.RootElement.GetProperty("kind").GetString() == "issue")
            {
                subjects.Add(e.RootElement.GetProperty("subject").GetString()!);
            }
        }

        return subjects;
    }

    /// <summary>Ledger rows, read behind the running CA's back (read-only; SQLite WAL lets readers in).</summary>
    private static long CountRows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM certificates";
        return (long)count.ExecuteScalar()!;
    }
}
