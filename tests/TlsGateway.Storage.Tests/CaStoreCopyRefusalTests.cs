using System.Security.Cryptography;
using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>
/// A store copy that must not go ahead, or fails half-way, leaves the destination exactly as it
/// was (empty, or holding what it held) and says why; the source is never changed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CaStoreCopyRefusalTests(PostgresServer server) : IAsyncLifetime
{
    private const string Operator = "operator:test";

    private readonly ScratchStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DisposeAsync().AsTask();

    [Theory]
    [InlineData(ScratchStores.Postgres, "generation")]
    [InlineData(ScratchStores.Postgres, "certificate")]
    [InlineData(ScratchStores.Postgres, "token")]
    [InlineData(ScratchStores.Postgres, "audit event")]
    [InlineData(ScratchStores.Sqlite, "certificate")]
    [InlineData(ScratchStores.Sqlite, "audit event")]
    public async Task A_destination_holding_anything_is_refused_and_left_exactly_as_it_was(string to, string holding)
    {
        ICaStore source = await FilledSourceAsync(ScratchStores.Sqlite);
        (ICaStore destination, _) = await _stores.CreateAsync(to);
        await HoldAsync(destination, holding);
        StoreDump before = await StoreDump.ReadAsync(destination);

        var refused = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, destination, Operator));

        Assert.StartsWith($"{destination.Description} is not empty (it holds ", refused.Message);
        Assert.Contains("a copy goes only into a new, empty store", refused.Message);
        StoreDump.AssertSame(before, await StoreDump.ReadAsync(destination));
    }

    [Theory]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Postgres, "ALTER TABLE certificates ADD CONSTRAINT copy_test_reject CHECK (serial <> '{0}')")]
    [InlineData(ScratchStores.Postgres, ScratchStores.Sqlite,
        "CREATE TRIGGER copy_test_reject BEFORE INSERT ON certificates WHEN NEW.serial = '{0}' BEGIN SELECT RAISE(ABORT, 'copy_test_reject'); END")]
    public async Task A_row_the_destination_rejects_half_way_fails_the_copy_and_leaves_the_destination_empty(string from, string to, string rejectSql)
    {
        ICaStore source = await FilledSourceAsync(from);
        StoreDump original = await StoreDump.ReadAsync(source);
        (ICaStore destination, string location) = await _stores.CreateAsync(to);
        // The destination refuses one certificate in the middle of the ledger, after the
        // generations and the first certificates have been written in the same transaction.
        string rejected = original.Certificates[original.Certificates.Count / 2].Split('|')[0];
        await ScratchStores.ExecuteAsync(location, string.Format(System.Globalization.CultureInfo.InvariantCulture, rejectSql, rejected));

        var failed = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, destination, Operator));

        Assert.StartsWith($"copying {source.Description} to {destination.Description} failed while copying certificates: ", failed.Message);
        Assert.Contains("copy_test_reject", failed.Message);
        Assert.EndsWith("nothing was committed, the destination is as it was", failed.Message);
        Assert.DoesNotContain(PostgresServer.Password, failed.Message);
        await AssertEmptyAsync(destination);
        StoreDump.AssertSame(original, await StoreDump.ReadAsync(source));
    }

    [Theory]
    [InlineData(ScratchStores.Sqlite, ScratchStores.Postgres)]
    [InlineData(ScratchStores.Postgres, ScratchStores.Sqlite)]
    public async Task A_source_written_to_during_the_copy_fails_the_copy_and_leaves_the_destination_empty(string from, string to)
    {
        (ICaStore source, string sourceLocation) = await _stores.CreateAsync(from);
        await StoreHistory.WriteAsync(source);
        (ICaStore destination, _) = await _stores.CreateAsync(to);
        // Another CA process, still running against the source, revokes a certificate mid-copy.
        ICaStore otherProcess = _stores.Open(sourceLocation);
        IssuedCertificate victim = (await otherProcess.ListCertificatesAsync(new CertificateQuery(Status: CertificateStatus.Active)))[0];

        var failed = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, destination, Operator, async (table, _) =>
        {
            if (table == "certificates")
            {
                await otherProcess.RevokeAsync([victim.Serial], RevocationReason.KeyCompromise, TestData.Now, TestData.Entry(AuditKinds.Revoke, victim.Serial));
            }
        }));

        Assert.StartsWith($"{source.Description} changed during the copy (audit events: ", failed.Message);
        Assert.Contains("stop every CA process that writes to it", failed.Message);
        await AssertEmptyAsync(destination);
        Assert.Equal(CertificateStatus.Revoked, (await source.FindCertificateAsync(victim.Serial))?.Status);
    }

    [Theory]
    [InlineData(ScratchStores.Sqlite, "UPDATE audit SET detail = 'nothing to see' WHERE sequence = 5")]
    [InlineData(ScratchStores.Postgres, "DELETE FROM audit WHERE sequence = 5")]
    public async Task A_source_whose_audit_chain_is_broken_is_refused_and_nothing_is_written(string from, string tamperSql)
    {
        (ICaStore source, string location) = await _stores.CreateAsync(from);
        await StoreHistory.WriteAsync(source);
        await ScratchStores.ExecuteAsync(location, tamperSql);
        (ICaStore destination, _) = await _stores.CreateAsync(ScratchStores.Sqlite);

        var refused = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, destination, Operator));

        Assert.StartsWith($"the audit chain of {source.Description} is broken at event ", refused.Message);
        Assert.Contains("run `tlsgw audit verify` on it", refused.Message);
        await AssertEmptyAsync(destination);
    }

    [Fact]
    public async Task Stores_at_different_schema_versions_are_refused_before_anything_is_written()
    {
        ICaStore source = await FilledSourceAsync(ScratchStores.Sqlite);
        (ICaStore destination, string location) = await _stores.CreateAsync(ScratchStores.Postgres);
        // As if a newer build had migrated the destination after this process opened it.
        await ScratchStores.ExecuteAsync(location, "INSERT INTO schema_version (version) VALUES (99)");

        var refused = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, destination, Operator));

        Assert.Equal(
            $"{source.Description} is at schema version 2 and {destination.Description} at 99: open both with the same tlsgw build first; nothing was written",
            refused.Message);
        await AssertEmptyAsync(destination);
    }

    [Fact]
    public async Task A_store_is_not_copied_onto_itself_even_through_a_second_connection()
    {
        (ICaStore source, string location) = await _stores.CreateAsync(ScratchStores.Sqlite);
        await StoreHistory.WriteAsync(source);
        ICaStore sameFile = _stores.Open(location);

        var sameObject = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, source, Operator));
        var sameDatabase = await Assert.ThrowsAsync<StoreCopyException>(() => CaStoreCopy.RunAsync(source, sameFile, Operator));

        Assert.Equal($"the source and the destination are the same store ({source.Description})", sameObject.Message);
        Assert.Equal(sameObject.Message, sameDatabase.Message);
    }

    private async Task<ICaStore> FilledSourceAsync(string kind)
    {
        (ICaStore source, _) = await _stores.CreateAsync(kind);
        await StoreHistory.WriteAsync(source);
        return source;
    }

    private static async Task HoldAsync(ICaStore store, string holding)
    {
        switch (holding)
        {
            case "generation":
                await store.SaveGenerationAsync(TestData.Generation(), TestData.Entry(AuditKinds.Init, "generation"));
                break;
            case "certificate":
                IssuedCertificate certificate = TestData.Certificate();
                await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
                break;
            case "token":
                var token = new BootstrapToken(Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(32))), TestData.NewSpiffeId(),
                    TestData.Now, TestData.Now.AddHours(1), "operator:test");
                await store.CreateBootstrapTokenAsync(token, TestData.Entry(AuditKinds.TokenCreate, token.SpiffeId));
                break;
            default:
                await store.AppendAuditAsync(TestData.Entry(AuditKinds.KeyUse, "generation 1"));
                break;
        }
    }

    /// <summary>No row in any table, and a CRL number nothing has advanced (the copy sets it before it fails).</summary>
    private static async Task AssertEmptyAsync(ICaStore store)
    {
        StoreDump dump = await StoreDump.ReadAsync(store);
        Assert.Empty(dump.Generations);
        Assert.Empty(dump.Certificates);
        Assert.Empty(dump.BootstrapTokens);
        Assert.Empty(dump.Audit);
        Assert.Equal(1, await store.NextCrlNumberAsync());
    }
}
