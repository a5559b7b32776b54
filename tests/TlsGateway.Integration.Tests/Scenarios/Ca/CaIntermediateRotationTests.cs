using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Ca;

/// <summary>
/// The runbook "replace an expiring intermediate" with the real CLI: `ca rotate-intermediate`
/// leaves the trust bundle byte for byte as it was, and leaves from before and after verify with
/// stock OpenSSL against that one bundle.
/// </summary>
public sealed class CaIntermediateRotationTests
{
    private const string Workload = "spiffe://example.org/ns/shop/sa/web";

    [Fact]
    public async Task Leaves_from_the_old_and_the_new_intermediate_verify_against_the_unchanged_bundle()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        await ca.IssueAsync("before", Workload);
        string bundle = await File.ReadAllTextAsync(ca.Bundle);

        string rotated = await ca.RunOkAsync(["ca", "rotate-intermediate", "--intermediate-ttl", "30d"]);
        await ca.IssueAsync("after", Workload);

        Assert.Contains("generation 2 is now signing with a new intermediate", rotated);
        Assert.Equal(bundle, await File.ReadAllTextAsync(ca.Bundle));
        Assert.NotEqual(await File.ReadAllTextAsync(ca.Generation(1, "ca-cert.pem")), await File.ReadAllTextAsync(ca.Generation(2, "ca-cert.pem")));
        Assert.Equal(await File.ReadAllTextAsync(ca.Generation(1, "root-cert.pem")), await File.ReadAllTextAsync(ca.Generation(2, "root-cert.pem")));
        foreach (string name in new[] { "before", "after" })
        {
            ProcessResult verify = await ProcessRunner.RunAsync("openssl",
                ["verify", "-CAfile", ca.Bundle, "-untrusted", ca.Generation(name == "before" ? 1 : 2, "ca-cert.pem"), ca.PathOf(name, "cert.pem")]);
            Assert.True(verify.ExitCode == 0, $"{name}: {verify.Combined}");
        }

        string status = await ca.RunOkAsync(["ca", "status"]);
        Assert.Contains("retiring", status, StringComparison.OrdinalIgnoreCase);
        ProcessResult audit = await ca.RunAsync(["audit", "verify"]);
        Assert.Equal(0, audit.ExitCode);
    }
}
