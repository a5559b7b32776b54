using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using TlsGateway.Ca;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;
using Xunit.Abstractions;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Integration.Tests.Scenarios.Faults;

/// <summary>
/// The CA's host clock 5 minutes off the workloads' (the CA — `ca init` and `ca serve` — runs
/// under libfaketime; the remote agent and this test keep the true clock). Ahead: certificates
/// still arrive valid, with 5 minutes to spare, because the CA backdates NotBefore by 10 minutes, and renewal is scheduled
/// before they expire even for a peer on the CA's clock. Behind: certificates arrive valid with
/// 5 minutes less life than asked, and the agent renews them on time, before they expire, measured
/// on its own clock.
/// </summary>
public sealed partial class ClockSkewTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    /// <summary>Each served leaf's whole chain (leaf first), by serial, for openssl verify.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_chains = new();

    [Fact]
    public async Task With_the_CA_5_minutes_ahead_certificates_arrive_already_valid_and_renewal_is_due_before_expiry()
    {
        (Dictionary<string, string> clock, CaDataDirectory ca) = await SkewedCaAsync("+5m");
        using (ca)
        {
            await using CaServeProcess server = await CaServeProcess.StartAsync(ca, environment: clock);
            await using RemoteAgentProcess agent = await RemoteAgentProcess.StartAsync(ca, server, "1h");
            using var sds = new SdsUnixClient(agent.SocketPath);
            using X509Certificate2 leaf = await FetchLeafAsync(sds);
            DateTime arrived = DateTime.UtcNow;
            (TimeSpan renewIn, DateTime logged) = RenewalScheduled(agent.Process.Output);

            TimeSpan margin = arrived - leaf.NotBefore.ToUniversalTime();
            TimeSpan skewSeen = leaf.NotBefore.ToUniversalTime() + IssuancePolicy.Default.Backdate - arrived;
            DateTime renewAt = logged + renewIn;
            DateTime expiresOnCaClock = leaf.NotAfter.ToUniversalTime() - Skew;
            output.WriteLine($"CA clock +5m (seen in the leaf: {skewSeen.TotalMinutes:+0.00;-0.00} min); leaf valid from {leaf.NotBefore.ToUniversalTime():O} to {leaf.NotAfter.ToUniversalTime():O}");
            output.WriteLine($"valid on arrival: {margin >= TimeSpan.Zero} (NotBefore {margin.TotalSeconds:0.0} s before arrival: what the 10-minute backdate leaves of a 5-minute skew)");
            output.WriteLine($"renewal scheduled in {renewIn.TotalMinutes:0.0} min, {(expiresOnCaClock - renewAt).TotalMinutes:0.0} min before expiry on the CA's clock");

            Assert.InRange(skewSeen, Skew - TimeSpan.FromSeconds(30), Skew + TimeSpan.FromSeconds(30));
            Assert.True(margin >= TimeSpan.FromMinutes(4), $"the leaf is valid from {leaf.NotBefore:O}, less than 4 minutes before its arrival at {arrived:O}");
            Assert.True(await VerifiesNowAsync(ca, leaf), "openssl verify (on the workload's clock) refused the chain");
            Assert.True(renewAt < expiresOnCaClock, $"renewal at {renewAt:O} comes after expiry on the CA's clock {expiresOnCaClock:O}");
        }
    }

    [Fact]
    public async Task With_the_CA_5_minutes_behind_certificates_arrive_valid_and_are_renewed_before_they_expire()
    {
        (Dictionary<string, string> clock, CaDataDirectory ca) = await SkewedCaAsync("-5m");
        using (ca)
        {
            await using CaServeProcess server = await CaServeProcess.StartAsync(ca, environment: clock);
            // Asked for 5m12s: 12 s of life left on the workloads' clock, so the renewal comes within the test.
            await using RemoteAgentProcess agent = await RemoteAgentProcess.StartAsync(ca, server, "312s");
            using var sds = new SdsUnixClient(agent.SocketPath);
            using X509Certificate2 first = await FetchLeafAsync(sds);
            DateTime arrived = DateTime.UtcNow;
            TimeSpan lifeLeft = first.NotAfter.ToUniversalTime() - arrived;
            bool firstValid = await VerifiesNowAsync(ca, first);

            X509Certificate2? renewed = null;
            int servedExpired = 0;
            while (renewed is null && DateTime.UtcNow < first.NotAfter.ToUniversalTime() + TimeSpan.FromSeconds(3))
            {
                X509Certificate2 served = await FetchLeafAsync(sds);
                servedExpired += served.NotAfter.ToUniversalTime() <= DateTime.UtcNow ? 1 : 0;
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

            using X509Certificate2? next = renewed;
            DateTime renewedSeen = DateTime.UtcNow;
            output.WriteLine($"CA clock -5m; asked 312 s, {lifeLeft.TotalSeconds:0.0} s of life left on arrival (valid on arrival: {firstValid})");
            output.WriteLine(next is null
                ? "no renewal seen"
                : $"renewed {(renewedSeen - arrived).TotalSeconds:0.0} s after arrival, {(first.NotAfter.ToUniversalTime() - renewedSeen).TotalSeconds:0.0} s before the old one expired; served expired: {servedExpired}");

            Assert.True(firstValid, "openssl verify (on the workload's clock) refused the first chain");
            Assert.InRange(lifeLeft, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(13));
            Assert.True(next is not null, $"the agent did not renew before expiry:\n{agent.Process.Output}");
            Assert.True(renewedSeen < first.NotAfter.ToUniversalTime(), "renewed only after the old certificate expired");
            Assert.Equal(0, servedExpired);
            Assert.True(await VerifiesNowAsync(ca, next), "openssl verify refused the renewed chain");
            Assert.InRange(Regex.Matches(agent.Process.Output, "Renewed the agent's own certificate").Count, 0, 3);
        }
    }

    /// <summary>A CA whose host clock is off by <paramref name="offset"/> from `ca init` on.</summary>
    private static async Task<(Dictionary<string, string> Clock, CaDataDirectory Ca)> SkewedCaAsync(string offset)
    {
        Dictionary<string, string> clock = FakeClock.Environment(offset);
        var ca = new CaDataDirectory();
        try
        {
            await ca.InitAsync(environment: clock);
            return (clock, ca);
        }
        catch
        {
            ca.Dispose();
            throw;
        }
    }

    /// <summary>The served leaf; its whole chain is kept in <see cref="s_chains"/>.</summary>
    private static async Task<X509Certificate2> FetchLeafAsync(SdsUnixClient sds)
    {
        Dictionary<string, EnvoySecret> secrets = await sds.FetchAsync(TimeSpan.FromSeconds(20), SecretNames.Default);
        string chain = secrets[SecretNames.Default].TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8();
        X509Certificate2 leaf = X509Certificate2.CreateFromPem(chain);
        s_chains[leaf.SerialNumber] = chain;
        return leaf;
    }

    /// <summary>openssl verify of the served chain against the CA's bundle, on this (the workload's) clock.</summary>
    private static async Task<bool> VerifiesNowAsync(CaDataDirectory ca, X509Certificate2 leaf)
    {
        string file = ca.PathOf($"chain-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(file, s_chains[leaf.SerialNumber]);
        ProcessResult verify = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", ca.Bundle, "-untrusted", file, file]);
        return verify.ExitCode == 0;
    }

    /// <summary>The first "renewing in" of the default certificate in the agent's log, and when it was logged.</summary>
    private static (TimeSpan RenewIn, DateTime Logged) RenewalScheduled(string log)
    {
        Match m = IssuedLine().Match(log);
        Assert.True(m.Success, log);
        return (TimeSpan.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            DateTime.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
    }

    [GeneratedRegex(@"^(\S+Z) info: \S+ Issued default for \S+, valid until \S+; renewing in (\S+)$", RegexOptions.Multiline)]
    private static partial Regex IssuedLine();
}
