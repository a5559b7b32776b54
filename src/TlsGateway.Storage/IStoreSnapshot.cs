namespace TlsGateway.Storage;

/// <summary>
/// One read transaction on a store (SQLite: a WAL read snapshot; PostgreSQL: REPEATABLE READ,
/// READ ONLY): every table read through it shows the same moment, whatever other writers do
/// meanwhile. Read the tables one after another, not interleaved; dispose to end it.
/// </summary>
internal interface IStoreSnapshot : IAsyncDisposable
{
    /// <summary>Counts and audit head at the snapshot's moment.</summary>
    StoreContents Contents { get; }

    IAsyncEnumerable<CaGeneration> ReadGenerationsAsync(CancellationToken cancellationToken);

    IAsyncEnumerable<IssuedCertificate> ReadCertificatesAsync(CancellationToken cancellationToken);

    IAsyncEnumerable<BootstrapToken> ReadBootstrapTokensAsync(CancellationToken cancellationToken);

    /// <summary>The audit log in sequence order.</summary>
    IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken);
}
