namespace TlsGateway.Storage;

/// <summary>Raw row access for <see cref="CaStoreCopy"/> on PostgreSQL (see <see cref="ICopyableStore"/>).</summary>
public sealed partial class PostgresCaStore : ICopyableStore
{
    async Task<IStoreSnapshot> ICopyableStore.OpenSnapshotAsync(CancellationToken cancellationToken) =>
        await PostgresStoreSnapshot.BeginAsync(_dataSource, cancellationToken).ConfigureAwait(false);

    async Task<IStoreImport> ICopyableStore.BeginImportAsync(CancellationToken cancellationToken) =>
        await PostgresStoreImport.BeginAsync(_dataSource, AppendAuditAsync, cancellationToken).ConfigureAwait(false);

    async Task<StoreContents> ICopyableStore.ReadContentsAsync(CancellationToken cancellationToken)
    {
        await using PostgresStoreSnapshot snapshot = await PostgresStoreSnapshot.BeginAsync(_dataSource, cancellationToken).ConfigureAwait(false);
        return snapshot.Contents;
    }
}
