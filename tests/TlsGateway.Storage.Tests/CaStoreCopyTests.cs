using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>
/// Moving a CA's store (SQLite to PostgreSQL above all, and back): every row arrives as it was,
/// the audit chain is the source's chain, and the CA carries on from the copy as if it had
/// always lived there.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CaStoreCopyTests(PostgresServer server) : IAsyncLifetime
{
    private const string Operator = "operator:test";

    private readonly ScratchStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DisposeAsync().AsTask();

    [Theory]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Postgres)]
    [InlineData(ScratchStores.Postgres, ScratchStores.Sqlite)]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Sqlite)]
    [InlineData(ScratchStores.Postgres, ScratchStores.Postgres)]
    public async Task Every_row_arrives_as_it_was_and_the_copied_audit_chain_verifies_on_the_destination(string from, string to)
    {
        (ICaStore source, _) = await _stores.CreateAsync(from);
        await StoreHistory.WriteAsync(source);
        StoreDump original = await StoreDump.ReadAsync(source);
        (ICaStore destination, _) = await _stores.CreateAsync(to);

        StoreCopyResult result = await CaStoreCopy.RunAsync(source, destination, Operator);

        StoreDump copy = await StoreDump.ReadAsync(destination);
        StoreDump.AssertSame(original, copy with { Audit = copy.Audit.Take(original.Audit.Count).ToList() });
        Assert.Equal(original.Audit.Count + 1, copy.Audit.Count);
        AuditVerification chain = await AuditChain.VerifyAsync(destination.ReadAuditAsync(), wholeLog: true);
        Assert.True(chain.Ok, chain.FirstBreak?.Message);
        StoreDump.AssertSame(original, await StoreDump.ReadAsync(source));
        Assert.Equal(
            (3L, 2L * StoreHistory.CertificatesPerGeneration, 3L, (long)original.Audit.Count, (long)StoreHistory.CrlsSigned),
            (result.Copied.Generations, result.Copied.Certificates, result.Copied.BootstrapTokens, result.Copied.AuditEvents, result.Copied.CrlNumber));
    }

    [Theory]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Postgres)]
    [InlineData(ScratchStores.Postgres, ScratchStores.Sqlite)]
    public async Task The_copy_is_recorded_after_the_copied_log_naming_the_source_without_its_password(string from, string to)
    {
        (ICaStore source, _) = await _stores.CreateAsync(from);
        await StoreHistory.WriteAsync(source);
        List<AuditEvent> original = await ReadAuditAsync(source);
        (ICaStore destination, _) = await _stores.CreateAsync(to);

        StoreCopyResult result = await CaStoreCopy.RunAsync(source, destination, Operator);

        AuditEvent recorded = (await ReadAuditAsync(destination))[^1];
        Assert.Equal(result.Recorded.Hash, recorded.Hash);
        Assert.Equal((original.Count + 1L, AuditKinds.StoreCopy, Operator, destination.Description),
            (recorded.Sequence, recorded.Kind, recorded.Actor, recorded.Subject));
        Assert.Equal(original[^1].Hash, recorded.PreviousHash);
        Assert.Contains($"copied from {source.Description}: 3 generations, 24 certificates, 3 bootstrap tokens, {original.Count} audit events, CRL number 7",
            recorded.Detail);
        Assert.DoesNotContain(PostgresServer.Password, recorded.Detail + recorded.Subject + result.Source + result.Destination);
    }

    [Theory]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Postgres)]
    [InlineData(ScratchStores.Postgres, ScratchStores.Sqlite)]
    public async Task The_destination_carries_on_issuing_revoking_numbering_CRLs_and_chaining_audit_events(string from, string to)
    {
        (ICaStore source, _) = await _stores.CreateAsync(from);
        await StoreHistory.WriteAsync(source);
        (ICaStore destination, string location) = await _stores.CreateAsync(to);
        await CaStoreCopy.RunAsync(source, destination, Operator);
        // A CA process opening the moved store afresh, as after `--switch` and a restart.
        ICaStore reopened = _stores.Open(location);
        IssuedCertificate copied = (await reopened.ListCertificatesAsync(new CertificateQuery(Status: CertificateStatus.Active, NotAfterAfter: TestData.Now)))[0];
        IssuedCertificate fresh = TestData.Certificate(generation: 3);

        await reopened.RecordIssuanceAsync(fresh, TestData.Issue(fresh));
        IReadOnlyList<string> revoked = await reopened.RevokeAsync([copied.Serial], RevocationReason.CessationOfOperation, TestData.Now,
            TestData.Entry(AuditKinds.Revoke, copied.Serial));
        long crlNumber = await reopened.NextCrlNumberAsync();
        AuditEvent appended = await reopened.AppendAuditAsync(TestData.Entry(AuditKinds.KeyUse, "generation 3"));

        await Assert.ThrowsAsync<DuplicateSerialException>(() => reopened.RecordIssuanceAsync(copied, TestData.Issue(copied)));
        Assert.Equal(fresh.Serial, (await reopened.FindCertificateAsync(fresh.Serial))?.Serial);
        Assert.Equal([copied.Serial], revoked);
        Assert.Equal(StoreHistory.CrlsSigned + 1, crlNumber);
        List<AuditEvent> audit = await ReadAuditAsync(reopened);
        Assert.Equal(audit.Count, appended.Sequence);
        Assert.Equal([AuditKinds.StoreCopy, AuditKinds.Issue, AuditKinds.Revoke, AuditKinds.KeyUse], audit.TakeLast(4).Select(e => e.Kind));
        AuditVerification chain = await AuditChain.VerifyAsync(reopened.ReadAuditAsync(), wholeLog: true);
        Assert.True(chain.Ok, chain.FirstBreak?.Message);
    }

    [Fact]
    public async Task Copying_reports_each_table_with_its_row_count_in_copy_order()
    {
        (ICaStore source, _) = await _stores.CreateAsync(ScratchStores.Sqlite);
        await StoreHistory.WriteAsync(source);
        (ICaStore destination, _) = await _stores.CreateAsync(ScratchStores.Postgres);
        var reported = new List<(string, long)>();

        StoreCopyResult result = await CaStoreCopy.RunAsync(source, destination, Operator, (table, rows) =>
        {
            reported.Add((table, rows));
            return Task.CompletedTask;
        });

        Assert.Equal(
            [("generations", 3L), ("certificates", 24L), ("bootstrap_tokens", 3L), ("audit", result.Copied.AuditEvents)],
            reported);
        Assert.Equal(CaStoreCopy.Tables, reported.Select(r => r.Item1));
    }

    private static async Task<List<AuditEvent>> ReadAuditAsync(ICaStore store)
    {
        var events = new List<AuditEvent>();
        await foreach (AuditEvent auditEvent in store.ReadAuditAsync())
        {
            events.Add(auditEvent);
        }

        return events;
    }
}
