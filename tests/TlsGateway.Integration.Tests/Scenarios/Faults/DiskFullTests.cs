using TlsGateway.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// The disk under a running `tlsgw ca serve` (SQLite store) fills up: issuance requests fail
/// cleanly — UNAVAILABLE for the caller, the store and SQLite's reason in the CA's log, counted as
/// store errors — nothing is half-committed (`audit verify`, ledger rows one to one with issue
/// events), and once space is freed the same process issues again. See <see cref="FullDisk"/> for
/// how the disk is filled (a real tmpfs where the test may mount, a file-size limit otherwise).
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const int AttemptsWhileFull = 3;

    [Fact]
    public async Task Issuance_on_a_full_disk_fails_cleanly_commits_nothing_and_resumes_once_space_is_freed()
    {
        using var ca = new CaDataDirectory();
        await using FullDisk disk = await FullDisk.CreateAsync(ca.Path, 16 * 1024 * 1024);
        await ca.InitAsync();
        await using CaServeProcess server = await CaServeProcess.StartAsync(ca, ignoreFileSizeSignal: disk.NeedsFileSizeSignalIgnored);
        using CaApiCaller caller = await CaApiCaller.CreateAsync(ca, server);
        IssueAttempt baseline = await caller.IssueAsync();

        await disk.FillAsync(server.Process.Pid, ca.Database + "-wal");
        var whileFull = new List<IssueAttempt>();
        for (int i = 0; i < AttemptsWhileFull; i++)
        {
            whileFull.Add(await caller.IssueAsync());
        }

        await disk.FreeAsync(server.Process.Pid);
        IssueAttempt recovered = await caller.IssueAsync();
        MetricsScrape metrics = await MetricsScrape.GetAsync(server.AdminPort);
        double storeErrors = metrics.Sum("tlsgw_ca_store_errors_total", ("operation", "issue"));
        LedgerCheck ledger = await LedgerCheck.RunAsync(ca);
        string log = server.Process.Output;
        string reason = log.Contains("database or disk is full", StringComparison.Ordinal) ? "database or disk is full"
            : log.Contains("disk I/O error", StringComparison.Ordinal) ? "disk I/O error" : "(no store reason in the log)";
        output.WriteLine($"disk made full by: {disk.Method}");
        output.WriteLine($"baseline: {(baseline.Ok ? "issued" : baseline.Error)}");
        output.WriteLine($"while full: {whileFull.Count(a => a.Ok)} issued, {whileFull.Count(a => !a.Ok)} failed; caller saw: {whileFull.FirstOrDefault(a => !a.Ok)?.Error}");
        output.WriteLine($"CA log reason: {reason}; tlsgw_ca_store_errors_total{{operation=\"issue\"}} = {storeErrors}");
        output.WriteLine($"after freeing space: {(recovered.Ok ? $"issued in {recovered.Latency.TotalSeconds:0.00} s" : recovered.Error)}; {ledger}");

        Assert.True(baseline.Ok, baseline.Error);
        Assert.All(whileFull, a => Assert.False(a.Ok));
        Assert.All(whileFull, a => Assert.Contains("Unavailable", a.Error));
        Assert.Contains($"CA store sqlite:{ca.Database} failed", log);
        Assert.Equal(disk.NeedsFileSizeSignalIgnored ? "disk I/O error" : "database or disk is full", reason);
        Assert.Equal(AttemptsWhileFull, storeErrors);
        Assert.True(recovered.Ok, recovered.Error);
        Assert.True(ledger.Intact, ledger.Verify);
        Assert.True(ledger.Consistent, ledger.ToString());
        // The CA API's serving certificate, the caller's credential, the baseline and the one after: none of the refused.
        Assert.Equal(4, ledger.Serials.Count);
        Assert.False(server.Process.HasExited);
    }
}
