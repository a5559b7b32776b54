using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>What issuance leaves in the store: the ledger row, its audit event, and an intact hash chain.</summary>
public sealed class LedgerTests
{
    [Fact]
    public async Task An_issued_certificate_is_in_the_ledger_with_its_serial_fingerprint_and_validity()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId id = TestCa.Workload("web");

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(id, TestCsr.Create("ec-p256"));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        IssuedCertificate row = Assert.Single(await ca.Store.ListCertificatesAsync(new CertificateQuery(SpiffeId: id.ToString())));
        Assert.Equal(leaf.SerialNumber.TrimStart('0').ToLowerInvariant(), row.Serial);
        Assert.Equal(issued.Serial, row.Serial);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(issued.Certificate)), row.Sha256Fingerprint);
        Assert.Equal(issued.Certificate, row.Der);
        Assert.Equal(SvidChecker.Utc(leaf.NotBefore), row.NotBefore);
        Assert.Equal(SvidChecker.Utc(leaf.NotAfter), row.NotAfter);
        Assert.Equal(ca.Authority.State.Active!.Id, row.Generation);
        Assert.Equal(CertificateStatus.Active, row.Status);
        IssuedCertificate found = (await ca.Store.FindCertificateAsync(row.Serial))!;
        Assert.Equal(issued.Certificate, found.Der);
        Assert.Equal(id.ToString(), found.SpiffeId);
    }

    [Fact]
    public async Task Each_issuance_appends_one_issue_event_naming_the_caller_and_the_serial()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId id = TestCa.Workload("web");
        int before = (await ca.ReadAuditAsync()).Count;

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(id, TestCsr.Create("ec-p256"));

        IReadOnlyList<AuditEvent> audit = await ca.ReadAuditAsync();
        Assert.Equal(before + 1, audit.Count);
        Assert.Equal(AuditKinds.Issue, audit[^1].Kind);
        Assert.Equal(id.ToString(), audit[^1].Actor);
        Assert.Equal(issued.Serial, audit[^1].Subject);
        Assert.Contains(id.ToString(), audit[^1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_chain_verifies_after_a_mix_of_issues_denials_and_revocations()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId web = TestCa.Workload("web");
        var issued = new List<IssuedIdentity>();
        for (int i = 0; i < 5; i++)
        {
            issued.Add(await ca.IssueToWorkloadAsync(web, TestCsr.Create("ec-p256")));
            await Assert.ThrowsAsync<IssuanceDeniedException>(() => ca.IssueToWorkloadAsync(web, TestCsr.Create("rsa-1024")));
        }

        await ca.Authority.RevokeAsync([issued[0].Serial], RevocationReason.KeyCompromise, TestCa.Operator);

        AuditVerification verification = await AuditChain.VerifyAsync(ca.Store.ReadAuditAsync());
        IReadOnlyList<AuditEvent> audit = await ca.ReadAuditAsync();
        Assert.True(verification.Ok, verification.FirstBreak?.Message);
        Assert.Equal(audit.Count, verification.Count);
        Assert.Equal(AuditKinds.Init, audit[0].Kind);
        Assert.Equal(5, audit.Count(e => e.Kind == AuditKinds.Issue));
        Assert.Equal(5, audit.Count(e => e.Kind == AuditKinds.Deny));
        Assert.Equal(1, audit.Count(e => e.Kind == AuditKinds.Revoke));
        Assert.Equal(Enumerable.Range(1, audit.Count).Select(i => (long)i), audit.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Editing_a_stored_denial_breaks_the_audit_chain_at_that_event()
    {
        // The control for the test above: the chain check must notice a rewritten event.
        await using TestCa ca = await TestCa.CreateAsync();
        await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        await Assert.ThrowsAsync<IssuanceDeniedException>(() => ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("rsa-1024")));
        await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        long denial = (await ca.ReadAuditAsync()).Single(e => e.Kind == AuditKinds.Deny).Sequence;

        await using (var connection = new SqliteConnection($"Data Source={ca.Layout.Database};Pooling=False"))
        {
            await connection.OpenAsync();
            using SqliteCommand update = connection.CreateCommand();
            update.CommandText = "UPDATE audit SET detail = 'nothing happened' WHERE sequence = $sequence";
            update.Parameters.AddWithValue("$sequence", denial);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        AuditVerification verification = await AuditChain.VerifyAsync(ca.Store.ReadAuditAsync());
        Assert.False(verification.Ok);
        Assert.Equal(denial, verification.FirstBreak!.Sequence);
    }

    [Fact]
    public async Task Two_hundred_concurrent_issuances_give_two_hundred_distinct_serials_all_in_the_ledger()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId id = TestCa.Workload("web");
        byte[] csr = TestCsr.Create("ec-p256");

        IssuedIdentity[] issued = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(_ => Task.Run(() => ca.IssueToWorkloadAsync(id, csr))));

        Assert.Equal(200, issued.Select(i => i.Serial).Distinct().Count());
        IReadOnlyList<IssuedCertificate> ledger = await ca.Store.ListCertificatesAsync(new CertificateQuery(SpiffeId: id.ToString()));
        Assert.Equal(issued.Select(i => i.Serial).Order(), ledger.Select(r => r.Serial).Order());
        IReadOnlyList<AuditEvent> audit = await ca.ReadAuditAsync();
        Assert.Equal(issued.Select(i => i.Serial).Order(), audit.Where(e => e.Kind == AuditKinds.Issue).Select(e => e.Subject).Order());
        AuditVerification verification = AuditChain.Verify(audit);
        Assert.True(verification.Ok, verification.FirstBreak?.Message);
    }
}
