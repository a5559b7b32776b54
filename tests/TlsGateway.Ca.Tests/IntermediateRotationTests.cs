using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// Replacing an expiring intermediate under the same root (`tlsgw ca rotate-intermediate`): the
/// trust bundle does not change, new leaves come from the new intermediate, old leaves still
/// verify, and the old generation retires once its leaves have expired.
/// </summary>
public sealed class IntermediateRotationTests
{
    private static readonly SpiffeId s_web = TestCa.Workload("web");

    [Fact]
    public async Task A_new_intermediate_under_the_same_root_signs_new_leaves_and_the_bundle_keeps_its_one_root()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        CaGenerationKeys before = ca.Authority.State.Active!;
        string bundleBefore = ca.Authority.State.TrustBundlePem;
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        CaGeneration created = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions() with { KeepRoot = true }, TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        CaGenerationKeys after = ca.Authority.State.Active!;
        Assert.Equal(created.Id, after.Id);
        Assert.Equal(before.Root.Der, after.Root.Der);
        Assert.NotEqual(before.Intermediate.Der, after.Intermediate.Der);
        Assert.Equal(after.Intermediate.Der, newLeaf.Chain[0]);
        Assert.Equal(bundleBefore, await File.ReadAllTextAsync(ca.Layout.Bundle));
        Assert.Single(ca.Authority.State.TrustedRoots);
        Assert.True(await VerifyAsync(ca, oldLeaf, "old"));
        Assert.True(await VerifyAsync(ca, newLeaf, "new"));
        Assert.Equal([CaGenerationState.Retiring, CaGenerationState.Active], (await ca.Store.ListGenerationsAsync()).Select(g => g.State));
        Assert.True(File.Exists(Path.Combine(ca.Layout.Generation(created.Id), CaLayout.RootKeyFile)), "the root key is kept beside the new intermediate");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(ca.Layout.Generation(created.Id), CaLayout.RootKeyFile)));
    }

    [Fact]
    public async Task The_old_generation_retires_when_its_leaves_expire_and_the_shared_root_stays_trusted()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions() with { KeepRoot = true }, TestCa.Operator);

        ca.Time.SetUtcNow(oldLeaf.NotAfter + TimeSpan.FromSeconds(1));
        IReadOnlyList<int> retired = await rotation.AdvanceAsync();
        IssuedIdentity later = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        Assert.Equal([1], retired);
        Assert.Single(ca.Authority.State.TrustedRoots);
        Assert.Single(PemText.DecodeAll(await File.ReadAllTextAsync(ca.Layout.Bundle), "CERTIFICATE"));
        Assert.Equal(ca.Authority.State.Active!.Intermediate.Der, later.Chain[0]);
        Assert.Equal([CaGenerationState.Retired, CaGenerationState.Active], (await ca.Store.ListGenerationsAsync()).Select(g => g.State));
    }

    [Fact]
    public async Task The_new_intermediate_never_outlives_the_root()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        DateTimeOffset rootNotAfter = ca.Authority.State.Active!.Root.NotAfter;
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(intermediateTtl: TimeSpan.FromDays(36_500)) with { KeepRoot = true },
            TestCa.Operator);

        Assert.True(ca.Authority.State.Active!.Intermediate.NotAfter <= rootNotAfter);
    }

    [Fact]
    public async Task Without_the_root_key_on_disk_the_command_is_refused_and_nothing_changes()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        string rootKey = Path.Combine(ca.Layout.Generation(1), CaLayout.RootKeyFile);
        File.Move(rootKey, rootKey + ".away");
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        CaException refused = await Assert.ThrowsAsync<CaException>(() =>
            rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions() with { KeepRoot = true }, TestCa.Operator));

        Assert.Contains("root key is not in", refused.Message);
        Assert.Equal([CaGenerationState.Active], (await ca.Store.ListGenerationsAsync()).Select(g => g.State));
    }

    private static async Task<bool> VerifyAsync(TestCa ca, IssuedIdentity issued, string prefix)
    {
        (string leaf, string chain, _) = ca.WriteFiles(issued, prefix);
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", ca.Layout.Bundle, "-untrusted", chain, leaf);
        return result.Succeeded;
    }
}
