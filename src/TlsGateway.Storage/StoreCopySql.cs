namespace TlsGateway.Storage;

/// <summary>
/// The statements a store copy reads with, the same text for SQLite and PostgreSQL (the two
/// schemas share table and column names). Rows are read in primary-key order so a copy is
/// deterministic and the audit log arrives in chain order.
/// </summary>
internal static class StoreCopySql
{
    /// <summary>One row: schema version, generations, certificates, tokens, audit events, CRL number.</summary>
    public const string Counts =
        "SELECT (SELECT COALESCE(MAX(version), 0) FROM schema_version), " +
        "(SELECT COUNT(*) FROM generations), (SELECT COUNT(*) FROM certificates), " +
        "(SELECT COUNT(*) FROM bootstrap_tokens), (SELECT COUNT(*) FROM audit), " +
        "(SELECT value FROM crl_number WHERE id = 1)";

    public const string AuditHead = "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1";

    public const string Generations = $"SELECT {SqliteRows.GenerationColumns} FROM generations ORDER BY id";

    public const string Certificates = $"SELECT {SqliteRows.CertificateColumns} FROM certificates ORDER BY serial";

    public const string BootstrapTokens = $"SELECT {SqliteRows.TokenColumns} FROM bootstrap_tokens ORDER BY hash";

    public const string Audit = $"SELECT {SqliteRows.AuditColumns} FROM audit ORDER BY sequence";

    public const string SetCrlNumber = "UPDATE crl_number SET value = @value WHERE id = 1";

    /// <summary>Builds <see cref="StoreContents"/> from the <see cref="Counts"/> row and the <see cref="AuditHead"/> row (if any).</summary>
    public static StoreContents Contents(long[] counts, long lastSequence, byte[] lastHash) => new(
        SchemaVersion: checked((int)counts[0]),
        Generations: counts[1],
        Certificates: counts[2],
        BootstrapTokens: counts[3],
        AuditEvents: counts[4],
        CrlNumber: counts[5],
        LastAuditSequence: lastSequence,
        LastAuditHash: lastHash);
}
