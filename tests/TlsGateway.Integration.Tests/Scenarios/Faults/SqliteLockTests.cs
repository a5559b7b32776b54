using Microsoft.Data.Sqlite;
using TlsGateway.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// Another process holds the CA's SQLite file locked (`BEGIN EXCLUSIVE` from this test, through
/// Microsoft.Data.Sqlite, while `tlsgw ca serve` runs on it). A lock shorter than the store's busy
/// timeout (10 s) only delays issuance; a longer one fails it cleanly — the caller gets
/// UNAVAILABLE, the CA's log names the store and "database is locked", the store-error counter
/// counts it, nothing is half-committed — and issuance works again the moment the lock goes.
/// </summary>
public sealed class SqliteLockTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_database_locked_by_another_process_delays_or_fails_issuance_cleanly_and_the_CA_recovers_when_it_is_released()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using CaServeProcess server = await CaServeProcess.StartAsync(ca);
        using CaApiCaller caller = await CaApiCaller.CreateAsync(ca, server);
        IssueAttempt baseline = await caller.IssueAsync();

        // A short lock: the request waits behind it and succeeds once it is released.
        IssueAttempt ridden;
        using (SqliteConnection holder = Lock(ca.Database))
        {
            Task<IssueAttempt> waiting = caller.IssueAsync();
            await Task.Delay(1500);
            holder.Close();
            ridden = await waiting;
        }

        // A lock longer than the busy timeout: the request fails, with a reason, and is counted.
        IssueAttempt refused;
        using (SqliteConnection holder = Lock(ca.Database))
        {
            refused = await caller.IssueAsync();
        }

        IssueAttempt recovered = await caller.IssueAsync();
        MetricsScrape metrics = await MetricsScrape.GetAsync(server.AdminPort);
        double storeErrors = metrics.Sum("tlsgw_ca_store_errors_total", ("operation", "issue"));
        LedgerCheck ledger = await LedgerCheck.RunAsync(ca);
        string[] issuedSerials = new[] { baseline, ridden, recovered }.Where(a => a.Ok).Select(a => a.Serial!).ToArray();
        output.WriteLine($"baseline: {Describe(baseline)}");
        output.WriteLine($"lock held 1.5 s: {Describe(ridden)}");
        output.WriteLine($"lock held past the busy timeout: {Describe(refused)}");
        output.WriteLine($"right after release: {Describe(recovered)}");
        output.WriteLine($"tlsgw_ca_store_errors_total{{operation=\"issue\"}} = {storeErrors}; {ledger}");

        Assert.True(baseline.Ok, baseline.Error);
        Assert.True(ridden.Ok, ridden.Error);
        Assert.True(ridden.Latency >= TimeSpan.FromSeconds(1), $"the request did not wait for the lock ({ridden.Latency})");
        Assert.False(refused.Ok);
        Assert.Contains("Unavailable", refused.Error);
        Assert.Contains("store", refused.Error);
        Assert.Contains("database is locked", server.Process.Output);
        Assert.Contains(ca.Database, server.Process.Output);
        Assert.True(recovered.Ok, recovered.Error);
        Assert.Equal(1, storeErrors);
        Assert.True(ledger.Intact, ledger.Verify);
        Assert.True(ledger.Consistent, ledger.ToString());
        // The CA API's own serving certificate, the operator's `cert issue` for the caller's credential,
        // and the three that succeeded: nothing for the refused request.
        Assert.Equal(5, ledger.Serials.Count);
        Assert.All(issuedSerials, s => Assert.Contains(s, ledger.Serials));
        Assert.False(server.Process.HasExited);
    }

    /// <summary>Opens the CA's database behind its back and takes SQLite's exclusive write lock.</summary>
    private static SqliteConnection Lock(string database)
    {
        var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using SqliteCommand begin = connection.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE";
        begin.ExecuteNonQuery();
        return connection;
    }

    private static string Describe(IssueAttempt attempt) =>
        attempt.Ok ? $"issued in {attempt.Latency.TotalSeconds:0.00} s" : $"failed after {attempt.Latency.TotalSeconds:0.00} s: {attempt.Error}";
}
