using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// A CA whose clock is behind the agent's by more than the certificate lifetime issues
/// certificates that have expired before they arrive. The agent must neither serve them nor
/// "renew at half-life" in a tight loop (half of nothing is now): it counts the failure and
/// backs off as for an unreachable CA. (Skews within the backdate are the integration tests'.)
/// </summary>
public sealed class ClockSkewTests
{
    [Fact]
    public async Task Certificates_expired_on_arrival_from_a_CA_an_hour_behind_are_not_served_and_renewal_backs_off()
    {
        using var directory = new TempDirectory();
        var behind = new OffsetTime(TimeSpan.FromHours(-1));
        var layout = new CaLayout(directory.PathOf("data"));
        layout.EnsureDirectories();
        byte[] passphrase = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        var access = new CaKeyAccess(SecretSource.FromFile(directory.Write("passphrase", Encoding.ASCII.GetString(passphrase) + "\n")));
        await using ICaStore store = CaStore.Open(layout.Database, behind);
        await CaBootstrap.CreateGenerationAsync(store, layout, new CaSettings(SdsHarness.TrustDomain, CaKeyType.EcdsaP256.Name), access,
            new CaBootstrap.Options(CaKeyType.EcdsaP256, passphrase, KdfIterations: 6_000), "sds-tests", behind);
        using CertificateAuthority authority = await CertificateAuthority.OpenAsync(store, SdsHarness.TrustDomain, access, time: behind);
        var issuer = new SwitchableIssuer(new InProcessIssuer(authority));
        var options = AgentOptions.Default with
        {
            WorkloadTtl = TimeSpan.FromMinutes(5),
            RetryInitial = TimeSpan.FromMilliseconds(100),
            RetryCap = TimeSpan.FromMilliseconds(400),
        };
        using var stats = new SdsStats();
        await using var identity = new ManagedIdentity(SecretNames.Default, SpiffeId.Parse(SdsHarness.OwnIdentity), [], issuer, options, stats,
            NullLogger.Instance);

        identity.Start();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // Backoff 100, 200, 400, 400… ms: a handful of attempts in 1.5 s, not hundreds.
        Assert.InRange(issuer.Attempts, 2, 8);
        Assert.Null(identity.Cell.Current);
        Assert.Null(identity.NotAfter);
    }

    private sealed class OffsetTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
