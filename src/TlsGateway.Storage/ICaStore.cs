namespace TlsGateway.Storage;

/// <summary>
/// Everything the CA persists, grouped by resource (SPIRE's datastore habit). Every method that
/// changes state takes the <see cref="AuditEntry"/> describing the change and commits the row and
/// its audit event in one transaction: a crash leaves both or neither.
/// Implementations: <see cref="SqliteCaStore"/> (embedded default) and <see cref="PostgresCaStore"/>
/// (several CA replicas sharing one database). Both pass the same test suite.
/// </summary>
public interface ICaStore : IAsyncDisposable
{
    /// <summary>A short description for logs and errors, without credentials ("sqlite:/data/tlsgw.db").</summary>
    string Description { get; }

    // ---- issued-certificate ledger -------------------------------------------------------

    /// <summary>Records an issued certificate and its audit event atomically.</summary>
    /// <exception cref="DuplicateSerialException">The serial is already in the ledger; nothing was written.</exception>
    Task RecordIssuanceAsync(IssuedCertificate certificate, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>The ledger row for a serial (lower-case hex, no leading zeros), or null.</summary>
    Task<IssuedCertificate?> FindCertificateAsync(string serial, CancellationToken cancellationToken = default);

    /// <summary>Ledger rows matching the query, ordered by NotAfter ascending.</summary>
    Task<IReadOnlyList<IssuedCertificate>> ListCertificatesAsync(CertificateQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the certificates of <paramref name="generation"/> with NotAfter after
    /// <paramref name="now"/> (revoked ones included) without reading them: what root rotation
    /// polls to decide when a generation can retire.
    /// </summary>
    Task<LiveCertificates> CountLiveCertificatesAsync(int generation, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks every listed serial revoked (those already revoked are left as they were) and appends
    /// the audit event, in one transaction. Returns the serials that changed state.
    /// </summary>
    Task<IReadOnlyList<string>> RevokeAsync(IReadOnlyList<string> serials, RevocationReason reason, DateTimeOffset revokedAt, AuditEntry audit, CancellationToken cancellationToken = default);

    // ---- CA generations (root + intermediate pairs; rotation adds one) ------------------

    /// <summary>Every CA generation, oldest first.</summary>
    Task<IReadOnlyList<CaGeneration>> ListGenerationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a generation (Id 0 = assign the next id) or updates the state of an existing one, with its audit event. Returns the stored row.</summary>
    Task<CaGeneration> SaveGenerationAsync(CaGeneration generation, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>Returns the next CRL number (monotonic across replicas, RFC 5280 §5.2.3).</summary>
    Task<long> NextCrlNumberAsync(CancellationToken cancellationToken = default);

    // ---- bootstrap tokens (one-time enrolment credentials) ---------------------------------

    /// <summary>Stores a new, unused token (its hash only) and its audit event atomically.</summary>
    /// <exception cref="StoreException">A token with the same hash exists; nothing was written.</exception>
    Task CreateBootstrapTokenAsync(BootstrapToken token, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Spends the token with SHA-256 <paramref name="tokenHash"/> if it exists, is unused and has
    /// not expired at <paramref name="now"/>, and returns the identity it enrols; otherwise says
    /// why not. The outcome, refusals included, is audited (actor <paramref name="actor"/>) in the
    /// same transaction as the change, and of any number of concurrent consumers of one token,
    /// across processes and replicas, exactly one succeeds.
    /// </summary>
    Task<BootstrapTokenUse> ConsumeBootstrapTokenAsync(string tokenHash, DateTimeOffset now, string actor, CancellationToken cancellationToken = default);

    /// <summary>Every token, used and expired ones included, newest first.</summary>
    Task<IReadOnlyList<BootstrapToken>> ListBootstrapTokensAsync(CancellationToken cancellationToken = default);

    // ---- audit log --------------------------------------------------------------------------

    /// <summary>Appends an event on its own (denials, key use, exports).</summary>
    Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Events with Sequence ≥ <paramref name="fromSequence"/>, in sequence order.</summary>
    IAsyncEnumerable<AuditEvent> ReadAuditAsync(long fromSequence = 1, CancellationToken cancellationToken = default);
}
