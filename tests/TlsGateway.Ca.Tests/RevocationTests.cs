using System.Text.RegularExpressions;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>Revoking certificates and publishing the result as a signed CRL (RFC 5280 §5) that OpenSSL accepts.</summary>
public sealed class RevocationTests
{
    [Fact]
    public async Task Revoking_a_serial_marks_its_ledger_row_revoked_once_and_audits_it()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        DateTimeOffset now = ca.Time.GetUtcNow();

        IReadOnlyList<string> first = await ca.Authority.RevokeAsync([issued.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        IReadOnlyList<string> second = await ca.Authority.RevokeAsync([issued.Serial], RevocationReason.Superseded, TestCa.Operator);

        Assert.Equal([issued.Serial], first);
        Assert.Empty(second);
        IssuedCertificate row = (await ca.Store.FindCertificateAsync(issued.Serial))!;
        Assert.Equal(CertificateStatus.Revoked, row.Status);
        Assert.Equal(RevocationReason.KeyCompromise, row.RevocationReason);
        Assert.Equal(now, row.RevokedAt);
        AuditEvent revoke = (await ca.ReadAuditAsync()).First(e => e.Kind == AuditKinds.Revoke);
        Assert.Equal(TestCa.Operator.Name, revoke.Actor);
        Assert.Contains(issued.Serial, revoke.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_an_identity_revokes_its_live_certificates_and_nobody_elses()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId web = TestCa.Workload("web");
        SpiffeId db = TestCa.Workload("db");
        IssuedIdentity web1 = await ca.IssueToWorkloadAsync(web, TestCsr.Create("ec-p256"));
        IssuedIdentity web2 = await ca.IssueToWorkloadAsync(web, TestCsr.Create("rsa-2048"));
        IssuedIdentity other = await ca.IssueToWorkloadAsync(db, TestCsr.Create("ec-p256"));

        IReadOnlyList<string> revoked = await ca.Authority.RevokeIdentityAsync(web, RevocationReason.CessationOfOperation, TestCa.Operator);

        Assert.Equal(new[] { web1.Serial, web2.Serial }.Order(), revoked.Order());
        Assert.Equal(CertificateStatus.Revoked, (await ca.Store.FindCertificateAsync(web1.Serial))!.Status);
        Assert.Equal(CertificateStatus.Revoked, (await ca.Store.FindCertificateAsync(web2.Serial))!.Status);
        Assert.Equal(CertificateStatus.Active, (await ca.Store.FindCertificateAsync(other.Serial))!.Status);
        Assert.Empty(await ca.Authority.RevokeIdentityAsync(web, RevocationReason.CessationOfOperation, TestCa.Operator));
    }

    [Fact]
    public async Task Openssl_verifies_the_crl_signature_and_finds_the_revoked_serial_in_it()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity revoked = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        IssuedIdentity kept = await ca.IssueToWorkloadAsync(TestCa.Workload("db"), TestCsr.Create("ec-p256"));
        await ca.Authority.RevokeAsync([revoked.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        var crls = new CrlPublisher(ca.Authority, ca.Time);

        byte[] crl = (await crls.GetAsync())!;

        string crlFile = ca.Directory.Write("crl.der", crl);
        string issuers = ca.Directory.Write("issuers.pem", PemText.EncodeAll("CERTIFICATE", revoked.Chain) + revoked.BundlePem);
        ProcessResult result = await OpenSsl.RunCheckedAsync(ca.Directory.Path, "crl", "-inform", "DER", "-in", crlFile, "-CAfile", issuers, "-noout", "-text");
        Assert.Contains("verify OK", result.Combined, StringComparison.Ordinal);
        IReadOnlyList<string> listed = SerialsIn(result.StandardOutput);
        Assert.Equal([revoked.Serial], listed);
        Assert.DoesNotContain(kept.Serial, listed);
        Assert.Contains("Key Compromise", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"Next Update: \w+", result.StandardOutput);
        Assert.Contains("X509v3 CRL Number", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_refuses_the_crl_against_another_cas_certificates()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        await using TestCa stranger = await TestCa.CreateAsync();
        byte[] crl = (await new CrlPublisher(ca.Authority, ca.Time).GetAsync())!;
        string crlFile = ca.Directory.Write("crl.der", crl);
        CaGenerationKeys strangerKeys = stranger.Authority.State.Active!;
        string issuers = ca.Directory.Write("stranger.pem", strangerKeys.Intermediate.ToPem() + strangerKeys.Root.ToPem());

        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "crl", "-inform", "DER", "-in", crlFile, "-CAfile", issuers, "-noout");

        Assert.DoesNotContain("verify OK", result.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_verify_with_crl_check_fails_for_the_revoked_leaf_and_passes_for_another()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity revoked = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        IssuedIdentity kept = await ca.IssueToWorkloadAsync(TestCa.Workload("db"), TestCsr.Create("rsa-2048"));
        await ca.Authority.RevokeAsync([revoked.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        byte[] crl = (await new CrlPublisher(ca.Authority, ca.Time).GetAsync())!;
        string crlFile = ca.Directory.Write("crl.pem", CrlPublisher.ToPem(crl));

        ProcessResult bad = await ca.VerifyWithOpenSslAsync(revoked, "revoked", "-crl_check", "-CRLfile", crlFile);
        ProcessResult good = await ca.VerifyWithOpenSslAsync(kept, "kept", "-crl_check", "-CRLfile", crlFile);

        Assert.False(bad.Succeeded, bad.Combined);
        Assert.Contains("certificate revoked", bad.Combined, StringComparison.Ordinal);
        Assert.True(good.Succeeded, good.Combined);
    }

    [Fact]
    public async Task A_rebuilt_crl_has_a_higher_crl_number_and_lists_a_revocation_made_since()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        var crls = new CrlPublisher(ca.Authority, ca.Time);
        string before = await ReadCrlAsync(ca, (await crls.GetAsync())!, "before");

        await ca.Authority.RevokeAsync([issued.Serial], RevocationReason.Superseded, TestCa.Operator);
        crls.Invalidate();
        string after = await ReadCrlAsync(ca, (await crls.GetAsync())!, "after");

        Assert.Empty(SerialsIn(before));
        Assert.Equal([issued.Serial], SerialsIn(after));
        Assert.True(CrlNumber(after) > CrlNumber(before), $"CRL number {CrlNumber(after)} after {CrlNumber(before)}");
    }

    [Fact]
    public async Task A_cached_crl_is_rebuilt_once_the_refresh_interval_has_passed()
    {
        // A revocation made by another replica (or the CLI) reaches this process's CRL within the interval.
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        var crls = new CrlPublisher(ca.Authority, ca.Time);
        byte[] first = (await crls.GetAsync())!;

        await ca.Store.RevokeAsync([issued.Serial], RevocationReason.KeyCompromise, ca.Time.GetUtcNow(),
            new AuditEntry(AuditKinds.Revoke, "operator:other-replica", issued.Serial, "reason=KeyCompromise"));
        byte[] cached = (await crls.GetAsync())!;
        ca.Time.Advance(CrlPublisher.RefreshInterval);
        byte[] rebuilt = (await crls.GetAsync())!;

        Assert.Equal(first, cached);
        Assert.Equal([issued.Serial], SerialsIn(await ReadCrlAsync(ca, rebuilt, "rebuilt")));
    }

    private static async Task<string> ReadCrlAsync(TestCa ca, byte[] crl, string name)
    {
        string file = ca.Directory.Write($"{name}.der", crl);
        return (await OpenSsl.RunCheckedAsync(ca.Directory.Path, "crl", "-inform", "DER", "-in", file, "-noout", "-text")).StandardOutput;
    }

    /// <summary>The serials in `openssl crl -text` output, in the ledger's form (lower-case hex, no leading zeros).</summary>
    private static IReadOnlyList<string> SerialsIn(string crlText) =>
        Regex.Matches(crlText, @"Serial Number: ([0-9A-Fa-f]+)")
            .Select(m => m.Groups[1].Value.TrimStart('0').ToLowerInvariant())
            .ToList();

    private static long CrlNumber(string crlText) =>
        long.Parse(Regex.Match(crlText, @"X509v3 CRL Number:\s*\n\s*(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
