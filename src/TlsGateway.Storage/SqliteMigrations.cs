using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>
/// The SQLite schema as numbered migrations. Migration N runs once, inside its own
/// <c>BEGIN IMMEDIATE</c> transaction that also records N in <c>schema_version</c>, so two
/// processes opening the same new file cannot both apply it. Never edit a released migration;
/// append a new one.
/// </summary>
/// <remarks>
/// Times are INTEGER UTC Unix milliseconds; statuses, states and reasons are the integer values
/// of <see cref="CertificateStatus"/>, <see cref="CaGenerationState"/> and the RFC 5280 §5.3.1
/// CRLReason codes of <see cref="RevocationReason"/>.
/// </remarks>
internal static class SqliteMigrations
{
    private static readonly string[] s_migrations =
    [
        // 1: the ledger, CA generations, the audit chain and the CRL number counter.
        """
        CREATE TABLE certificates (
            serial      TEXT    PRIMARY KEY,
            spiffe_id   TEXT    NOT NULL,
            not_before  INTEGER NOT NULL,
            not_after   INTEGER NOT NULL,
            fingerprint TEXT    NOT NULL,
            generation  INTEGER NOT NULL,
            der         BLOB    NOT NULL,
            status      INTEGER NOT NULL DEFAULT 0,
            revoked_at  INTEGER,
            reason      INTEGER
        );
        CREATE INDEX certificates_spiffe_id ON certificates (spiffe_id);
        CREATE INDEX certificates_not_after ON certificates (not_after);

        CREATE TABLE generations (
            id                     INTEGER PRIMARY KEY,
            state                  INTEGER NOT NULL,
            root_pem               TEXT    NOT NULL,
            chain_pem              TEXT    NOT NULL,
            key_location           TEXT    NOT NULL,
            created_at             INTEGER NOT NULL,
            intermediate_not_after INTEGER NOT NULL,
            cross_signed_pem       TEXT
        );

        CREATE TABLE audit (
            sequence  INTEGER PRIMARY KEY,
            time      INTEGER NOT NULL,
            kind      TEXT    NOT NULL,
            actor     TEXT    NOT NULL,
            subject   TEXT    NOT NULL,
            detail    TEXT    NOT NULL,
            prev_hash BLOB    NOT NULL,
            hash      BLOB    NOT NULL
        );

        CREATE TABLE crl_number (
            id    INTEGER PRIMARY KEY CHECK (id = 1),
            value INTEGER NOT NULL
        );
        INSERT INTO crl_number (id, value) VALUES (1, 0);
        """,

        // 2: one-time bootstrap (enrolment) tokens, kept as their SHA-256 only.
        """
        CREATE TABLE bootstrap_tokens (
            hash       TEXT    PRIMARY KEY,
            spiffe_id  TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            created_by TEXT    NOT NULL,
            used_at    INTEGER,
            used_by    TEXT
        );
        """,
    ];

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => s_migrations.Length;

    public static void Apply(SqliteConnection connection)
    {
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
        for (int version = 1; version <= s_migrations.Length; version++)
        {
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            int current = CurrentVersion(connection, transaction);
            if (current > s_migrations.Length)
            {
                throw new StoreException($"schema version {current} is newer than this build understands ({s_migrations.Length}); upgrade tlsgw");
            }

            if (current < version)
            {
                Execute(connection, transaction, s_migrations[version - 1]);
                using SqliteCommand record = connection.CreateCommand();
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES (@version, @now)";
                record.Parameters.AddWithValue("@version", version);
                record.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private static int CurrentVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
