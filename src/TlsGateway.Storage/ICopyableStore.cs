namespace TlsGateway.Storage;

/// <summary>
/// Raw row access for <see cref="CaStoreCopy"/>, which both dialects implement. Kept off
/// <see cref="ICaStore"/> and internal: writing rows verbatim bypasses the audit chain's append
/// rule, so the only caller is the copy, which verifies what it wrote before committing.
/// </summary>
internal interface ICopyableStore
{
    /// <summary>A consistent read-only view of everything the store holds, for as long as it is open.</summary>
    Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Opens the one write transaction an import runs in, holding the store's write lock.</summary>
    Task<IStoreImport> BeginImportAsync(CancellationToken cancellationToken);

    /// <summary>What the store holds now, read in a transaction of its own.</summary>
    Task<StoreContents> ReadContentsAsync(CancellationToken cancellationToken);
}
