using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>
/// What every <see cref="ICaStore"/> must do, whatever the database. Each dialect's test class
/// derives from this and supplies a fresh, empty backing database per test.
/// </summary>
public abstract partial class CaStoreContract : IAsyncLifetime
{
    private readonly List<ICaStore> _opened = [];

    /// <summary>Opens the store under test; every call opens the same backing database.</summary>
    protected abstract ICaStore OpenStore();

    /// <summary>Runs a statement directly against the backing database, behind the store's back.</summary>
    protected abstract Task ExecuteSqlAsync(string sql);

    /// <summary>Runs a query returning one integer directly against the backing database.</summary>
    protected abstract Task<long> QueryScalarAsync(string sql);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (ICaStore store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    protected ICaStore Open()
    {
        ICaStore store = OpenStore();
        _opened.Add(store);
        return store;
    }

    protected static async Task<List<AuditEvent>> ReadAllAuditAsync(ICaStore store, long fromSequence = 1)
    {
        var events = new List<AuditEvent>();
        await foreach (AuditEvent auditEvent in store.ReadAuditAsync(fromSequence))
        {
            events.Add(auditEvent);
        }

        return events;
    }

    [Fact]
    public async Task A_recorded_certificate_reads_back_exactly_as_recorded_with_its_issue_event()
    {
        ICaStore store = Open();
        IssuedCertificate certificate = TestData.Certificate(generation: 3);

        await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));

        IssuedCertificate? found = await store.FindCertificateAsync(certificate.Serial);
        Assert.NotNull(found);
        Assert.Equal(certificate with { Der = found.Der }, found);
        Assert.Equal(certificate.Der, found.Der);
        AuditEvent issued = Assert.Single(await ReadAllAuditAsync(store));
        Assert.Equal((1L, AuditKinds.Issue, certificate.Serial), (issued.Sequence, issued.Kind, issued.Subject));
        Assert.Equal(AuditChain.GenesisHash, issued.PreviousHash);
    }

    [Fact]
    public async Task Live_certificates_of_a_generation_are_counted_with_the_last_expiry()
    {
        await using ICaStore store = Open();
        IssuedCertificate shortLived = TestData.Certificate(lifetime: TimeSpan.FromHours(1), generation: 1);
        IssuedCertificate longLived = TestData.Certificate(lifetime: TimeSpan.FromHours(5), generation: 1);
        IssuedCertificate otherGeneration = TestData.Certificate(lifetime: TimeSpan.FromHours(9), generation: 2);
        foreach (IssuedCertificate certificate in new[] { shortLived, longLived, otherGeneration })
        {
            await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
        }

        await store.RevokeAsync([longLived.Serial], RevocationReason.Superseded, TestData.Now, TestData.Entry(AuditKinds.Revoke, longLived.Serial));

        LiveCertificates now = await store.CountLiveCertificatesAsync(1, TestData.Now);
        LiveCertificates later = await store.CountLiveCertificatesAsync(1, TestData.Now.AddHours(2));
        LiveCertificates after = await store.CountLiveCertificatesAsync(1, TestData.Now.AddHours(6));

        Assert.Equal(new LiveCertificates(2, longLived.NotAfter), now);
        Assert.Equal(new LiveCertificates(1, longLived.NotAfter), later);
        Assert.Equal(new LiveCertificates(0, null), after);
    }

    [Fact]
    public async Task An_unknown_serial_is_not_found()
    {
        ICaStore store = Open();

        Assert.Null(await store.FindCertificateAsync("abc123"));
    }

    [Fact]
    public async Task Recording_a_duplicate_serial_throws_and_writes_neither_the_row_nor_an_audit_event()
    {
        ICaStore store = Open();
        IssuedCertificate first = TestData.Certificate();
        await store.RecordIssuanceAsync(first, TestData.Issue(first));
        IssuedCertificate second = TestData.Certificate(serial: first.Serial);

        var error = await Assert.ThrowsAsync<DuplicateSerialException>(() => store.RecordIssuanceAsync(second, TestData.Issue(second)));

        Assert.Equal(first.Serial, error.Serial);
        Assert.Equal(first.SpiffeId, (await store.FindCertificateAsync(first.Serial))!.SpiffeId);
        Assert.Single(await ReadAllAuditAsync(store));
        Assert.Equal(1, await QueryScalarAsync("SELECT COUNT(*) FROM certificates"));
    }

    [Fact]
    public async Task Listing_filters_by_identity_status_generation_and_expiry_and_orders_by_not_after()
    {
        ICaStore store = Open();
        string workload = TestData.NewSpiffeId();
        IssuedCertificate threeHours = TestData.Certificate(spiffeId: workload, lifetime: TimeSpan.FromHours(3));
        IssuedCertificate oneHour = TestData.Certificate(spiffeId: workload, lifetime: TimeSpan.FromHours(1));
        IssuedCertificate twoHours = TestData.Certificate(spiffeId: workload, lifetime: TimeSpan.FromHours(2));
        IssuedCertificate other = TestData.Certificate(lifetime: TimeSpan.FromMinutes(30), generation: 2);
        foreach (IssuedCertificate certificate in new[] { threeHours, oneHour, twoHours, other })
        {
            await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
        }

        await store.RevokeAsync([twoHours.Serial], RevocationReason.Superseded, TestData.Now, TestData.Entry(AuditKinds.Revoke, twoHours.Serial));

        async Task<string[]> Serials(CertificateQuery query) => (await store.ListCertificatesAsync(query)).Select(c => c.Serial).ToArray();
        DateTimeOffset ninetyMinutes = TestData.Now.AddMinutes(90);
        Assert.Equal([other.Serial, oneHour.Serial, twoHours.Serial, threeHours.Serial], await Serials(new CertificateQuery()));
        Assert.Equal([oneHour.Serial, twoHours.Serial, threeHours.Serial], await Serials(new CertificateQuery(SpiffeId: workload)));
        Assert.Equal([oneHour.Serial, threeHours.Serial], await Serials(new CertificateQuery(SpiffeId: workload, Status: CertificateStatus.Active)));
        Assert.Equal([twoHours.Serial], await Serials(new CertificateQuery(Status: CertificateStatus.Revoked)));
        Assert.Equal([other.Serial], await Serials(new CertificateQuery(Generation: 2)));
        Assert.Equal([other.Serial, oneHour.Serial], await Serials(new CertificateQuery(NotAfterBefore: ninetyMinutes)));
        Assert.Equal([twoHours.Serial, threeHours.Serial], await Serials(new CertificateQuery(NotAfterAfter: ninetyMinutes)));
        Assert.Equal([other.Serial], await Serials(new CertificateQuery(Limit: 1)));
    }

    [Fact]
    public async Task Revoking_marks_status_time_and_reason_once_and_audits_every_request()
    {
        ICaStore store = Open();
        IssuedCertificate a = TestData.Certificate();
        IssuedCertificate b = TestData.Certificate();
        await store.RecordIssuanceAsync(a, TestData.Issue(a));
        await store.RecordIssuanceAsync(b, TestData.Issue(b));
        DateTimeOffset firstTime = TestData.Now.AddMinutes(5).AddMilliseconds(123);

        IReadOnlyList<string> changed = await store.RevokeAsync([b.Serial, a.Serial, b.Serial, "ffff"], RevocationReason.KeyCompromise, firstTime, TestData.Entry(AuditKinds.Revoke, "a,b"));
        IReadOnlyList<string> again = await store.RevokeAsync([a.Serial], RevocationReason.Superseded, firstTime.AddHours(1), TestData.Entry(AuditKinds.Revoke, "a"));

        Assert.Equal([b.Serial, a.Serial], changed);
        Assert.Empty(again);
        IssuedCertificate revoked = (await store.FindCertificateAsync(a.Serial))!;
        Assert.Equal((CertificateStatus.Revoked, firstTime, RevocationReason.KeyCompromise), (revoked.Status, revoked.RevokedAt, revoked.RevocationReason));
        List<AuditEvent> audit = await ReadAllAuditAsync(store);
        Assert.Equal([AuditKinds.Issue, AuditKinds.Issue, AuditKinds.Revoke, AuditKinds.Revoke], audit.Select(e => e.Kind));
    }

    [Fact]
    public async Task Generations_are_numbered_on_insert_updated_in_place_and_listed_oldest_first()
    {
        ICaStore store = Open();

        CaGeneration first = await store.SaveGenerationAsync(TestData.Generation(), TestData.Entry(AuditKinds.Init, "generation"));
        CaGeneration second = await store.SaveGenerationAsync(TestData.Generation() with { CrossSignedPem = "cross" }, TestData.Entry(AuditKinds.Rotate, "generation"));
        CaGeneration retiring = await store.SaveGenerationAsync(first with { State = CaGenerationState.Retiring, RootPem = "ignored" }, TestData.Entry(AuditKinds.Retire, "1"));

        Assert.Equal((1, 2), (first.Id, second.Id));
        Assert.Equal(TestData.Generation(1), first);
        Assert.Equal("cross", second.CrossSignedPem);
        Assert.Equal(first with { State = CaGenerationState.Retiring }, retiring);
        Assert.Equal([retiring, second], await store.ListGenerationsAsync());
        Assert.Equal(3, (await ReadAllAuditAsync(store)).Count);
    }

    [Fact]
    public async Task Crl_numbers_strictly_increase_even_when_requested_concurrently()
    {
        ICaStore store = Open();

        long first = await store.NextCrlNumberAsync();
        long second = await store.NextCrlNumberAsync();
        long[] concurrent = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => store.NextCrlNumberAsync())));

        Assert.Equal((1L, 2L), (first, second));
        Assert.Equal(Enumerable.Range(3, 40).Select(n => (long)n), concurrent.Order());
    }

    [Fact]
    public async Task The_audit_chain_verifies_after_many_mixed_operations()
    {
        ICaStore store = Open();
        var serials = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            IssuedCertificate certificate = TestData.Certificate();
            await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
            serials.Add(certificate.Serial);
            if (i % 10 == 0)
            {
                await store.RevokeAsync(serials.TakeLast(3).ToArray(), RevocationReason.Unspecified, TestData.Now, TestData.Entry(AuditKinds.Revoke, "batch"));
                await store.SaveGenerationAsync(TestData.Generation(), TestData.Entry(AuditKinds.Rotate, "next"));
                await store.NextCrlNumberAsync();
            }

            if (i % 7 == 0)
            {
                await store.AppendAuditAsync(new AuditEntry(AuditKinds.Deny, "spiffe://example.org/x", "ünïcödé subject", "detail with\nnewline"));
            }
        }

        AuditVerification verification = await AuditChain.VerifyAsync(store.ReadAuditAsync());

        Assert.True(verification.Ok, verification.FirstBreak?.Message);
        Assert.Equal(60 + 6 + 6 + 9, verification.Count);
    }

    [Fact]
    public async Task An_appended_event_chains_to_the_one_before_it_and_reads_back_identically()
    {
        ICaStore store = Open();

        AuditEvent first = await store.AppendAuditAsync(TestData.Entry(AuditKinds.KeyUse, "key"));
        AuditEvent second = await store.AppendAuditAsync(TestData.Entry(AuditKinds.Deny, "spiffe://example.org/denied", "not allowed"));

        Assert.Equal((1L, 2L), (first.Sequence, second.Sequence));
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(AuditChain.ComputeHash(second), second.Hash);
        List<AuditEvent> stored = await ReadAllAuditAsync(store);
        Assert.Equal([first.Time, second.Time], stored.Select(e => e.Time));
        Assert.Equal(second.Hash, stored[1].Hash);
        Assert.Equal([second.Sequence], (await ReadAllAuditAsync(store, fromSequence: 2)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Tampering_with_one_audit_row_makes_verification_report_exactly_that_sequence()
    {
        ICaStore store = Open();
        for (int i = 0; i < 10; i++)
        {
            await store.AppendAuditAsync(TestData.Entry(AuditKinds.KeyUse, $"use {i}"));
        }

        await ExecuteSqlAsync("UPDATE audit SET detail = 'rewritten' WHERE sequence = 6");
        AuditVerification verification = await AuditChain.VerifyAsync(store.ReadAuditAsync());

        Assert.False(verification.Ok);
        Assert.Equal(10, verification.Count);
        Assert.Equal((6L, AuditBreakKind.HashMismatch), (verification.FirstBreak!.Sequence, verification.FirstBreak.Kind));
    }

    [Fact]
    public async Task Concurrent_issuance_from_many_tasks_keeps_a_gap_free_verifying_chain()
    {
        ICaStore store = Open();
        const int Tasks = 16;
        const int PerTask = 25;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < PerTask; i++)
            {
                IssuedCertificate certificate = TestData.Certificate();
                await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
            }
        })));

        List<AuditEvent> audit = await ReadAllAuditAsync(store);
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(n => (long)n), audit.Select(e => e.Sequence));
        AuditVerification verification = AuditChain.Verify(audit);
        Assert.True(verification.Ok, verification.FirstBreak?.Message);
        Assert.Equal(Tasks * PerTask, (await store.ListCertificatesAsync(new CertificateQuery())).Count);
    }

    [Fact]
    public async Task Reopening_the_store_keeps_everything_and_applies_each_migration_once()
    {
        IssuedCertificate certificate = TestData.Certificate();
        await using (ICaStore store = OpenStore())
        {
            await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
            await store.SaveGenerationAsync(TestData.Generation(), TestData.Entry(AuditKinds.Init, "1"));
            await store.NextCrlNumberAsync();
        }

        long versions = await QueryScalarAsync("SELECT COUNT(*) FROM schema_version");
        ICaStore reopened = Open();

        Assert.Equal(certificate.SpiffeId, (await reopened.FindCertificateAsync(certificate.Serial))?.SpiffeId);
        Assert.Single(await reopened.ListGenerationsAsync());
        Assert.Equal(2, await reopened.NextCrlNumberAsync());
        AuditVerification verification = await AuditChain.VerifyAsync(reopened.ReadAuditAsync());
        Assert.Equal((true, 2L), (verification.Ok, verification.Count));
        Assert.Equal(versions, await QueryScalarAsync("SELECT COUNT(*) FROM schema_version"));
    }
}
