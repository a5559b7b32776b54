using Org.BouncyCastle.Ocsp;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// Root rotation without an outage: old and new roots trusted side by side, new leaves from the
/// new intermediate, the old root leaving the bundle only after its last leaf has expired.
/// Time is the test's own clock, so expiry is reached by moving it.
/// </summary>
public sealed class RootRotationTests
{
    private static readonly SpiffeId s_web = TestCa.Workload("web");

    [Fact]
    public async Task After_a_rotation_the_bundle_holds_both_roots_and_old_and_new_leaves_verify_against_it()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        byte[] oldRoot = ca.Authority.State.Active!.Root.Der;
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        CaGeneration created = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        List<byte[]> bundle = PemText.DecodeAll(await File.ReadAllTextAsync(ca.Layout.Bundle), "CERTIFICATE");
        Assert.Equal(2, bundle.Count);
        Assert.Equal(ca.Authority.State.Active!.Root.Der, bundle[0]);
        Assert.Equal(oldRoot, bundle[1]);
        Assert.Equal(created.Id, ca.Authority.State.Active!.Id);
        Assert.Equal(2, newLeaf.TrustedRoots.Count);
        Assert.True(await VerifyAsync(ca, oldLeaf, ca.Layout.Bundle, "old"));
        Assert.True(await VerifyAsync(ca, newLeaf, ca.Layout.Bundle, "new"));
    }

    [Fact]
    public async Task New_leaves_come_from_the_new_intermediate_and_the_old_generation_is_retiring()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        CaGenerationKeys before = ca.Authority.State.Active!;
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        CaGeneration created = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        CaGenerationKeys after = ca.Authority.State.Active!;
        Assert.NotEqual(before.Id, after.Id);
        Assert.Equal(after.Intermediate.Der, newLeaf.Chain[0]);
        Assert.NotEqual(before.Intermediate.Der, newLeaf.Chain[0]);
        Assert.Equal(created.Id, (await ca.Store.FindCertificateAsync(newLeaf.Serial))!.Generation);
        IReadOnlyList<CaGeneration> generations = await ca.Store.ListGenerationsAsync();
        Assert.Equal([CaGenerationState.Retiring, CaGenerationState.Active], generations.Select(g => g.State));
    }

    [Fact]
    public async Task The_old_generation_is_not_retired_while_one_of_its_leaves_is_live_and_is_once_they_expired()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        ca.Time.Advance(TimeSpan.FromMinutes(59));
        IReadOnlyList<int> early = await rotation.AdvanceAsync();
        GenerationStatus waiting = (await rotation.StatusAsync())[0];

        Assert.Empty(early);
        Assert.Equal(CaGenerationState.Retiring, waiting.Generation.State);
        Assert.Equal(1, waiting.LiveLeaves);
        Assert.Equal(oldLeaf.NotAfter, waiting.LastLeafNotAfter);
        Assert.Equal(2, ca.Authority.State.TrustedRoots.Count);

        ca.Time.SetUtcNow(oldLeaf.NotAfter + TimeSpan.FromSeconds(1));
        IReadOnlyList<int> retired = await rotation.AdvanceAsync();

        Assert.Equal([1], retired);
        List<byte[]> bundle = PemText.DecodeAll(await File.ReadAllTextAsync(ca.Layout.Bundle), "CERTIFICATE");
        Assert.Equal([ca.Authority.State.Active!.Root.Der], bundle);
        Assert.Single(ca.Authority.State.TrustedRoots);
        Assert.Equal(CaGenerationState.Retired, (await ca.Store.ListGenerationsAsync())[0].State);
        Assert.Contains(await ca.ReadAuditAsync(), e => e.Kind == AuditKinds.Retire);
        Assert.True(await VerifyAsync(ca, newLeaf, ca.Layout.Bundle, "new"));
        Assert.False(await VerifyAsync(ca, oldLeaf, ca.Layout.Bundle, "old"));
        Assert.Empty(await rotation.AdvanceAsync());
    }

    [Fact]
    public async Task A_revoked_but_unexpired_old_leaf_still_holds_the_old_root_in_the_bundle()
    {
        // Revoked leaves stay in the old generation's CRL until they expire, so its root stays too.
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        await ca.Authority.RevokeAsync([oldLeaf.Serial], RevocationReason.Superseded, TestCa.Operator);
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);

        Assert.Empty(await rotation.AdvanceAsync());
        Assert.Equal(2, ca.Authority.State.TrustedRoots.Count);
    }

    [Fact]
    public async Task A_generation_with_no_leaves_retires_at_the_first_advance()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);

        Assert.Equal([1], await rotation.AdvanceAsync());
        Assert.Single(ca.Authority.State.TrustedRoots);
    }

    [Fact]
    public async Task The_retiring_intermediate_still_answers_ocsp_and_signs_crls_for_its_own_leaves()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"), TimeSpan.FromHours(1));
        CaGenerationKeys old = ca.Authority.State.Active!;
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);
        await ca.Authority.RevokeAsync([oldLeaf.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        var issuer = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(old.Intermediate.Der);
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(CertificateID.HashSha1, issuer, new Org.BouncyCastle.Math.BigInteger(oldLeaf.Serial, 16)));

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(generator.Generate().GetEncoded());
        byte[]? crl = await new CrlPublisher(ca.Authority, ca.Time).GetAsync(old.Id);

        var basic = (BasicOcspResp)new OcspResp(response).GetResponseObject();
        Assert.True(basic.Verify(issuer.GetPublicKey()));
        Assert.IsType<RevokedStatus>(Assert.Single(basic.Responses).GetCertStatus());
        Assert.NotNull(crl);
        var parsed = new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(crl);
        parsed.Verify(issuer.GetPublicKey());
        Assert.NotNull(parsed.GetRevokedCertificate(new Org.BouncyCastle.Math.BigInteger(oldLeaf.Serial, 16)));
    }

    [Fact]
    public async Task With_cross_signing_a_new_leaf_verifies_against_the_old_root_alone()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        string oldRoot = ca.Directory.Write("old-root.pem", ca.Authority.State.Active!.Root.ToPem());
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);

        CaGeneration created = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(crossSign: true), TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        Assert.NotNull(created.CrossSignedPem);
        Assert.Equal(created.CrossSignedPem,
            await File.ReadAllTextAsync(Path.Combine(ca.Layout.Generation(created.Id), "cross-signed-ca-cert.pem")));
        (string leaf, _, _) = ca.WriteFiles(newLeaf, "new");
        string crossSigned = ca.Directory.Write("cross.pem", created.CrossSignedPem!);
        string plainIntermediate = ca.Directory.Write("plain-intermediate.pem", ca.Authority.State.Active!.Intermediate.ToPem());
        ProcessResult viaCross = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", oldRoot, "-untrusted", crossSigned, leaf);
        ProcessResult viaNewChain = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", oldRoot, "-untrusted", plainIntermediate, leaf);
        Assert.True(viaCross.Succeeded, viaCross.Combined);
        Assert.False(viaNewChain.Succeeded, "without the cross-signed intermediate the old root must not reach the new leaf:\n" + viaNewChain.Combined);
    }

    [Fact]
    public async Task With_cross_signing_the_chain_handed_out_with_a_new_leaf_satisfies_an_old_root_only_verifier()
    {
        // A workload presents IssuedIdentity.Chain in its handshakes; a peer that trusts only the
        // old root can build a path only if the cross-signed intermediate is in that chain.
        await using TestCa ca = await TestCa.CreateAsync();
        string oldRoot = ca.Directory.Write("old-root.pem", ca.Authority.State.Active!.Root.ToPem());
        await new RootRotation(ca.Authority, ca.Layout, ca.Time).RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(crossSign: true), TestCa.Operator);

        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        (string leaf, string chain, string bundle) = ca.WriteFiles(newLeaf, "new");
        ProcessResult oldOnly = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", oldRoot, "-untrusted", chain, leaf);
        ProcessResult withBundle = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", bundle, "-untrusted", chain, leaf);
        Assert.True(oldOnly.Succeeded, "IssuedIdentity.Chain lacks the cross-signed intermediate:\n" + oldOnly.Combined);
        Assert.True(withBundle.Succeeded, withBundle.Combined);
    }

    [Fact]
    public async Task Once_the_old_root_retires_the_cross_signed_intermediate_is_no_longer_handed_out()
    {
        // After retirement nobody trusts the old root any more, and the greedy chain order that
        // suited old-root verifiers would send new-root-only verifiers down a dead end.
        await using TestCa ca = await TestCa.CreateAsync();
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        CaGeneration created = await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(crossSign: true), TestCa.Operator);
        IssuedIdentity during = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        Assert.Equal([1], await rotation.AdvanceAsync());
        IssuedIdentity after = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        byte[] crossSigned = PemText.DecodeFirst(created.CrossSignedPem!, "CERTIFICATE");
        Assert.Equal(crossSigned, during.Chain[0]);
        Assert.Equal([ca.Authority.State.Active!.Intermediate.Der], after.Chain);
        Assert.True(await VerifyAsync(ca, after, ca.Layout.Bundle, "after"));
    }

    [Fact]
    public async Task During_the_overlap_the_crl_bundle_covers_old_and_new_leaves()
    {
        // A verifier with CRL checking on refuses a leaf whose issuer has no CRL (fail closed),
        // so GET /ca/crl.pem carries every signing generation's CRL.
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity oldLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));
        var rotation = new RootRotation(ca.Authority, ca.Layout, ca.Time);
        await rotation.RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);
        IssuedIdentity newLeaf = await ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256"));

        string crls = ca.Directory.Write("all.crl.pem", await new CrlPublisher(ca.Authority, ca.Time).GetAllPemAsync());
        string trust = ca.Directory.Write("trust.pem", ca.Authority.State.TrustBundlePem
            + string.Concat(ca.Authority.State.Generations.Select(g => g.Intermediate.ToPem())));
        (string oldFile, _, _) = ca.WriteFiles(oldLeaf, "old");
        (string newFile, _, _) = ca.WriteFiles(newLeaf, "new");
        ProcessResult oldCheck = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-crl_check", "-CRLfile", crls, "-CAfile", trust, oldFile);
        ProcessResult newCheck = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-crl_check", "-CRLfile", crls, "-CAfile", trust, newFile);

        Assert.Equal(2, PemText.DecodeAll(await File.ReadAllTextAsync(crls), "X509 CRL").Count);
        Assert.True(oldCheck.Succeeded, oldCheck.Combined);
        Assert.True(newCheck.Succeeded, newCheck.Combined);
    }

    [Fact]
    public async Task A_ca_reopened_from_the_store_after_a_rotation_signs_with_the_new_generation()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        await new RootRotation(ca.Authority, ca.Layout, ca.Time).RotateAsync(ca.Settings, ca.KeyAccess, ca.RotationOptions(), TestCa.Operator);

        using CertificateAuthority reopened = await CertificateAuthority.OpenAsync(ca.Store, TestCa.TrustDomain, ca.KeyAccess, null, ca.Time);
        IssuedIdentity issued = await reopened.IssueAsync(new IssuanceRequest(TestCsr.Create("ec-p256"), CaCaller.ForWorkload(s_web)));

        Assert.Equal(2, reopened.State.Active!.Id);
        Assert.Equal(ca.Authority.State.Active!.Intermediate.Der, issued.Chain[0]);
    }

    private static async Task<bool> VerifyAsync(TestCa ca, IssuedIdentity issued, string bundle, string prefix)
    {
        (string leaf, string chain, _) = ca.WriteFiles(issued, prefix);
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", bundle, "-untrusted", chain, leaf);
        return result.Succeeded;
    }
}
