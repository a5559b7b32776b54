using TlsGateway.Storage.Tests.Infrastructure;

namespace TlsGateway.Storage.Tests;

/// <summary>
/// Several CA replicas on one database: each store below has its own NpgsqlDataSource and so its
/// own connections, exactly as separate processes would.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReplicaTests(PostgresServer server)
{
    [Fact]
    public async Task Replicas_starting_together_on_a_new_database_migrate_it_once()
    {
        string uri = await server.CreateDatabaseAsync();

        ICaStore[] replicas = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => CaStore.Open(uri))));
        await using var cleanup = new Replicas(replicas);

        await PostgresServer.ExecuteAsync(uri, "DO $$ BEGIN IF (SELECT COUNT(*) FROM schema_version) <> (SELECT MAX(version) FROM schema_version) THEN RAISE 'migrated twice'; END IF; END $$");
    }

    [Fact]
    public async Task Replicas_appending_concurrently_build_one_gap_free_verifying_chain()
    {
        string uri = await server.CreateDatabaseAsync();
        await using var replicas = new Replicas([CaStore.Open(uri), CaStore.Open(uri)]);
        const int TasksPerReplica = 6;
        const int PerTask = 20;

        await Task.WhenAll(replicas.Stores.SelectMany(store => Enumerable.Range(0, TasksPerReplica).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < PerTask; i++)
            {
                IssuedCertificate certificate = TestData.Certificate();
                await store.RecordIssuanceAsync(certificate, TestData.Issue(certificate));
                if (i % 5 == t % 5)
                {
                    await store.AppendAuditAsync(TestData.Entry(AuditKinds.KeyUse, store.Description));
                }
            }
        }))));

        var events = new List<AuditEvent>();
        await foreach (AuditEvent auditEvent in replicas.Stores[1].ReadAuditAsync())
        {
            events.Add(auditEvent);
        }

        int expected = (2 * TasksPerReplica * PerTask) + (2 * TasksPerReplica * PerTask / 5);
        Assert.Equal(Enumerable.Range(1, expected).Select(n => (long)n), events.Select(e => e.Sequence));
        AuditVerification verification = AuditChain.Verify(events);
        Assert.True(verification.Ok, verification.FirstBreak?.Message);
    }

    [Fact]
    public async Task Two_replicas_recording_the_same_serial_at_once_store_it_exactly_once()
    {
        string uri = await server.CreateDatabaseAsync();
        await using var replicas = new Replicas([CaStore.Open(uri), CaStore.Open(uri)]);

        for (int round = 0; round < 10; round++)
        {
            IssuedCertificate certificate = TestData.Certificate();
            Task[] attempts = replicas.Stores.Select(store => Task.Run(() => store.RecordIssuanceAsync(certificate, TestData.Issue(certificate)))).ToArray();
            await Task.WhenAll(attempts).ContinueWith(_ => { }, TaskScheduler.Default);

            Assert.Equal(1, attempts.Count(a => a.IsCompletedSuccessfully));
            Assert.IsType<DuplicateSerialException>(attempts.Single(a => a.IsFaulted).Exception!.InnerException);
        }

        var events = new List<AuditEvent>();
        await foreach (AuditEvent auditEvent in replicas.Stores[0].ReadAuditAsync())
        {
            events.Add(auditEvent);
        }

        Assert.Equal(10, events.Count);
        Assert.True(AuditChain.Verify(events).Ok);
    }

    private sealed class Replicas(ICaStore[] stores) : IAsyncDisposable
    {
        public ICaStore[] Stores { get; } = stores;

        public async ValueTask DisposeAsync()
        {
            foreach (ICaStore store in Stores)
            {
                await store.DisposeAsync();
            }
        }
    }
}
