namespace TlsGateway.Storage;

/// <summary>Raw row access for <see cref="CaStoreCopy"/> on SQLite (see <see cref="ICopyableStore"/>).</summary>
public sealed partial class SqliteCaStore : ICopyableStore
{
    async Task<IStoreSnapshot> ICopyableStore.OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        // The gate stays taken until the snapshot is disposed: the transaction owns the connection.
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        return SqliteStoreSnapshot.Begin(_connection, () => _gate.Release());
    }

    async Task<IStoreImport> ICopyableStore.BeginImportAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        return SqliteStoreImport.Begin(_connection, _statements, AppendAudit, () => _gate.Release());
    }

    async Task<StoreContents> ICopyableStore.ReadContentsAsync(CancellationToken cancellationToken)
    {
        await using IStoreSnapshot snapshot = await ((ICopyableStore)this).OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.Contents;
    }
}
