namespace TlsGateway.Storage;

/// <summary>
/// One write transaction on a store that takes rows verbatim (same ids, serials, sequence
/// numbers, times and hashes). Nothing is visible to anyone else until <see cref="CommitAsync"/>;
/// disposing without committing rolls every row back. Each Write method returns the rows written.
/// </summary>
internal interface IStoreImport : IAsyncDisposable
{
    /// <summary>What the store held when the transaction began (the copy refuses unless it is empty).</summary>
    StoreContents Contents { get; }

    Task<long> WriteGenerationsAsync(IAsyncEnumerable<CaGeneration> rows, CancellationToken cancellationToken);

    Task<long> WriteCertificatesAsync(IAsyncEnumerable<IssuedCertificate> rows, CancellationToken cancellationToken);

    Task<long> WriteBootstrapTokensAsync(IAsyncEnumerable<BootstrapToken> rows, CancellationToken cancellationToken);

    /// <summary>Stores the events as they are: no hash is recomputed, so a copied chain is the source's chain.</summary>
    Task<long> WriteAuditAsync(IAsyncEnumerable<AuditEvent> rows, CancellationToken cancellationToken);

    Task SetCrlNumberAsync(long value, CancellationToken cancellationToken);

    /// <summary>What the transaction sees now, its own writes included.</summary>
    Task<StoreContents> ReadContentsAsync(CancellationToken cancellationToken);

    /// <summary>The audit log as the transaction sees it, in sequence order.</summary>
    IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken);

    /// <summary>Appends an event after the current head, the way every other write does.</summary>
    Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    Task CommitAsync(CancellationToken cancellationToken);
}
