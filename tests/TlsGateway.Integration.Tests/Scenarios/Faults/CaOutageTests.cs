using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;
using Xunit.Abstractions;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// The CA (`tlsgw ca serve`) killed and kept away for longer than half the lifetime of the
/// certificates a remote agent holds: the agent keeps serving what it has (still valid), retries
/// with growing waits (its log and `tlsgw_sds_renewal_failures_total` say so), and once the CA is
/// back it gets and serves a new certificate, and renews its own as well.
/// </summary>
public sealed partial class CaOutageTests(ITestOutputHelper output)
{
    // 30 s: the CA's restart, JIT included, and the agent's next retry must fit in what is left
    // of the lifetime after the outage; with 20 s a loaded clean-clone run saw the certificate
    // expire 4 s after the CA came back.
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_agent_keeps_serving_through_a_CA_outage_longer_than_half_a_lifetime_and_renews_when_the_CA_returns()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await using CaServeProcess caServer = await CaServeProcess.StartAsync(ca);
        await using RemoteAgentProcess agent = await RemoteAgentProcess.StartAsync(ca, caServer, $"{Lifetime.TotalSeconds:0}s");
        using var sds = new SdsUnixClient(agent.SocketPath);
        using X509Certificate2 first = await FetchLeafAsync(sds);

        await caServer.KillAsync();
        var outage = Stopwatch.StartNew();
        // Served during the outage: one fetch a second, each must be the certificate held before, still valid.
        int fetches = 0;
        int servedSame = 0;
        int servedExpired = 0;
        double failuresDuringOutage = 0;
        // Past half the lifetime, and until renewal has failed twice (the ±10% jitter may put it later), bounded.
        while ((outage.Elapsed < Lifetime / 2 + TimeSpan.FromSeconds(0.5) || failuresDuringOutage < 2) && outage.Elapsed < Lifetime - TimeSpan.FromSeconds(10))
        {
            using X509Certificate2 served = await FetchLeafAsync(sds);
            fetches++;
            servedSame += served.SerialNumber == first.SerialNumber ? 1 : 0;
            servedExpired += served.NotAfter.ToUniversalTime() <= DateTime.UtcNow ? 1 : 0;
            failuresDuringOutage = (await MetricsScrape.GetAsync(agent.AdminPort)).Sum("tlsgw_sds_renewal_failures_total", ("resource", SecretNames.Default));
            await Task.Delay(500);
        }

        await caServer.StartAgainAsync();
        TimeSpan down = outage.Elapsed;

        X509Certificate2? renewed = null;
        var recovery = Stopwatch.StartNew();
        while (renewed is null && recovery.Elapsed < Lifetime / 2)
        {
            X509Certificate2 served = await FetchLeafAsync(sds);
            if (served.SerialNumber != first.SerialNumber)
            {
                renewed = served;
            }
            else
            {
                served.Dispose();
                await Task.Delay(250);
            }
        }

        using X509Certificate2? fresh = renewed;
        await agent.Process.WaitForOutputAsync("Renewed the agent's own certificate", Lifetime / 2);
        MetricsScrape after = await MetricsScrape.GetAsync(agent.AdminPort);
        string log = agent.Process.Output;
        List<double> retryWaits = RetryWaits().Matches(log).Select(m => TimeSpan.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).TotalSeconds).ToList();
        int ownRenewals = Regex.Matches(log, "Renewed the agent's own certificate").Count;
        output.WriteLine($"CA down for {down.TotalSeconds:0.0} s (certificate lifetime {Lifetime.TotalSeconds:0} s, half {Lifetime.TotalSeconds / 2:0} s)");
        output.WriteLine($"during the outage: {fetches} SDS fetches, {servedSame} served the held certificate, {servedExpired} served it expired, {fetches - servedSame} served something else");
        output.WriteLine($"renewal failures counted during the outage: {failuresDuringOutage}; retry waits logged: [{string.Join(", ", retryWaits.Select(w => $"{w:0.#}s"))}]");
        output.WriteLine($"after the CA returned: new certificate served after {recovery.Elapsed.TotalSeconds:0.0} s: {fresh is not null}; issued_total={after.Sum("tlsgw_sds_certificates_issued_total", ("resource", SecretNames.Default))}; agent's own certificate renewed {ownRenewals} times");

        Assert.True(down > Lifetime / 2, $"the outage ({down}) was not longer than half the lifetime");
        Assert.Equal(fetches, servedSame);
        Assert.Equal(0, servedExpired);
        Assert.True(failuresDuringOutage >= 2, after.Text);
        Assert.True(retryWaits.Count >= 2 && retryWaits.Zip(retryWaits.Skip(1)).Any(p => p.Second > p.First), $"no growing retry waits in the log:\n{log}");
        Assert.True(fresh is not null, $"no new certificate within {Lifetime / 2} of the CA's return:\n{log}");
        Assert.True(fresh.NotAfter > first.NotAfter);
        Assert.True(after.Sum("tlsgw_sds_certificates_issued_total", ("resource", SecretNames.Default)) >= 2, after.Text);
        // Renewed at half its life, not continuously: once or twice in this test, never dozens.
        Assert.InRange(ownRenewals, 1, 3);
        Assert.False(agent.Process.HasExited);
    }

    private static async Task<X509Certificate2> FetchLeafAsync(SdsUnixClient sds)
    {
        Dictionary<string, EnvoySecret> secrets = await sds.FetchAsync(TimeSpan.FromSeconds(10), SecretNames.Default);
        return X509Certificate2.CreateFromPem(secrets[SecretNames.Default].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8());
    }

    [GeneratedRegex(@"Could not obtain default for \S+: .*?; serving the current certificate, retrying in (\d\d:\d\d:\d\d(?:\.\d+)?)")]
    private static partial Regex RetryWaits();
}
