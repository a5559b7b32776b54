using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Storage.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// PostgreSQL restarted (`pg_ctl stop -m fast`, down 2 s, started again) while two workloads keep
/// asking a `tlsgw ca serve` on it for certificates over the CA API. Requests caught by the restart
/// fail cleanly — UNAVAILABLE for the caller, the store and the cause in the CA's log, counted as
/// store errors — every certificate a caller received is in the ledger with its audit event, the
/// audit chain is intact, and issuance resumes once the database is back, without restarting the CA.
/// </summary>
public sealed class PostgresRestartTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Issuance_through_a_PostgreSQL_restart_fails_cleanly_while_it_is_down_and_resumes_when_it_is_back()
    {
        string store = await postgres.CreateDatabaseAsync();
        using var ca = new CaDataDirectory();
        await ca.InitAsync(extra: ["--store", store]);
        await using CaServeProcess server = await CaServeProcess.StartAsync(ca);
        using CaApiCaller caller = await CaApiCaller.CreateAsync(ca, server);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var attempts = new List<IssueAttempt>();
        TimeSpan backAt = TimeSpan.MaxValue;

        async Task LoopAsync()
        {
            // Back to back until 8 successes after the database is back (bounded by the token's 20 s).
            while (!stop.IsCancellationRequested)
            {
                IssueAttempt attempt = await caller.IssueAsync();
                lock (attempts)
                {
                    attempts.Add(attempt);
                    if (attempts.Count(a => a.Ok && a.Started > backAt) >= 8)
                    {
                        stop.Cancel();
                    }
                }

                await Task.Delay(attempt.Ok ? 20 : 200, CancellationToken.None);
            }
        }

        Task[] loops = [LoopAsync(), LoopAsync()];
        // Mid-issuance: the restart comes once the loops are issuing (bounded wait).
        for (int i = 0; i < 100 && Successes(attempts) < 3; i++)
        {
            await Task.Delay(100);
        }

        TimeSpan stoppedAt = caller.Now;
        await postgres.RestartAsync(TimeSpan.FromSeconds(2));
        lock (attempts)
        {
            backAt = caller.Now;
        }

        await Task.WhenAll(loops);
        MetricsScrape metrics = await MetricsScrape.GetAsync(server.AdminPort);
        LedgerCheck ledger = await LedgerCheck.RunAsync(ca);

        List<IssueAttempt> before = attempts.Where(a => a.Started + a.Latency < stoppedAt).ToList();
        List<IssueAttempt> window = attempts.Where(a => a.Started < backAt && a.Started + a.Latency >= stoppedAt).ToList();
        List<IssueAttempt> after = attempts.Where(a => a.Started >= backAt).ToList();
        List<IssueAttempt> failed = attempts.Where(a => !a.Ok).ToList();
        // A request fails at the store either checking the caller's certificate in the ledger or recording its own.
        double storeErrors = metrics.Sum("tlsgw_ca_store_errors_total", ("operation", "issue")) + metrics.Sum("tlsgw_ca_store_errors_total", ("operation", "authenticate"));
        output.WriteLine($"PostgreSQL down from {stoppedAt.TotalSeconds:0.0} s to {backAt.TotalSeconds:0.0} s (pg_ctl stop -m fast, 2 s down, start)");
        output.WriteLine($"before: {before.Count(a => a.Ok)} issued, {before.Count(a => !a.Ok)} failed");
        output.WriteLine($"around the restart: {window.Count(a => a.Ok)} issued, {window.Count(a => !a.Ok)} failed");
        output.WriteLine($"after it was back: {after.Count(a => a.Ok)} issued, {after.Count(a => !a.Ok)} failed; slowest {attempts.Max(a => a.Latency).TotalSeconds:0.00} s");
        output.WriteLine($"tlsgw_ca_store_errors_total{{operation=~\"issue|authenticate\"}} = {storeErrors}; {ledger}");
        foreach (string error in failed.Select(a => a.Error!).Distinct().Take(4))
        {
            output.WriteLine("  failure: " + error);
        }

        Assert.True(before.Count(a => a.Ok) >= 2, "too few issuances before the restart to call it mid-issuance");
        Assert.True(window.Count(a => !a.Ok) >= 1, "no request met the restart");
        Assert.DoesNotContain(before, a => !a.Ok);
        Assert.True(after.Count(a => a.Ok) >= 8);
        // A request that meets the dead pool's connection may fail right after the return; the rest go through.
        Assert.True(after.Count(a => !a.Ok) <= 2, string.Join('\n', after.Where(a => !a.Ok).Select(a => a.Error)));
        Assert.All(failed, a => Assert.Contains("Unavailable", a.Error));
        Assert.All(failed, a => Assert.Contains("store", a.Error));
        Assert.Equal(failed.Count, (int)storeErrors);
        if (failed.Count > 0)
        {
            Assert.Contains("not answered: CA store postgres://", server.Process.Output);
        }

        Assert.True(ledger.Intact, ledger.Verify);
        Assert.True(ledger.Consistent, ledger.ToString());
        Assert.All(attempts.Where(a => a.Ok), a => Assert.Contains(a.Serial!, ledger.Serials));
        Assert.DoesNotContain(PostgresServer.Password, server.Process.Output);
        Assert.False(server.Process.HasExited);
    }

    private static int Successes(List<IssueAttempt> attempts)
    {
        lock (attempts)
        {
            return attempts.Count(a => a.Ok);
        }
    }
}
