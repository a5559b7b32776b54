using Npgsql;

namespace TlsGateway.Storage;

/// <summary>
/// The PostgreSQL schema as numbered migrations. Each runs in its own transaction holding
/// <see cref="LockKey"/>, which also records it in <c>schema_version</c>; replicas starting
/// together therefore apply each migration exactly once (PostgreSQL DDL is transactional).
/// Never edit a released migration; append a new one.
/// </summary>
/// <remarks>
/// Times are timestamptz holding millisecond values (see <see cref="StoreTime"/>); statuses,
/// states and reasons are the integer values of the store's enums, as in SQLite.
/// </remarks>
internal static class PostgresMigrations
{
    /// <summary>pg_advisory_xact_lock key for migrations: "tlsgwMig" in ASCII.</summary>
    public const long LockKey = 0x746C7367774D6967;

    private static readonly string[] s_migrations =
    [
        // 1: the ledger, CA generations, the audit chain and the CRL number counter.
        """
        CREATE TABLE certificates (
            serial      text        PRIMARY KEY,
            spiffe_id   text        NOT NULL,
            not_before  timestamptz NOT NULL,
            not_after   timestamptz NOT NULL,
            fingerprint text        NOT NULL,
            generation  integer     NOT NULL,
            der         bytea       NOT NULL,
            status      smallint    NOT NULL DEFAULT 0,
            revoked_at  timestamptz,
            reason      smallint
        );
        CREATE INDEX certificates_spiffe_id ON certificates (spiffe_id);
        CREATE INDEX certificates_not_after ON certificates (not_after);

        CREATE TABLE generations (
            id                     integer     PRIMARY KEY,
            state                  smallint    NOT NULL,
            root_pem               text        NOT NULL,
            chain_pem              text        NOT NULL,
            key_location           text        NOT NULL,
            created_at             timestamptz NOT NULL,
            intermediate_not_after timestamptz NOT NULL,
            cross_signed_pem       text
        );

        CREATE TABLE audit (
            sequence  bigint      PRIMARY KEY,
            time      timestamptz NOT NULL,
            kind      text        NOT NULL,
            actor     text        NOT NULL,
            subject   text        NOT NULL,
            detail    text        NOT NULL,
            prev_hash bytea       NOT NULL,
            hash      bytea       NOT NULL
        );

        CREATE TABLE crl_number (
            id    smallint PRIMARY KEY CHECK (id = 1),
            value bigint   NOT NULL
        );
        INSERT INTO crl_number (id, value) VALUES (1, 0);
        """,

        // 2: one-time bootstrap (enrolment) tokens, kept as their SHA-256 only.
        """
        CREATE TABLE bootstrap_tokens (
            hash       text        PRIMARY KEY,
            spiffe_id  text        NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            created_by text        NOT NULL,
            used_at    timestamptz,
            used_by    text
        );
        """,
    ];

    public static void Apply(NpgsqlDataSource dataSource)
    {
        using NpgsqlConnection connection = dataSource.OpenConnection();
        for (int version = 1; version <= s_migrations.Length; version++)
        {
            using NpgsqlTransaction transaction = connection.BeginTransaction();
            Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})");
            Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            using (NpgsqlCommand read = new("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, transaction))
            {
                int current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                if (current > s_migrations.Length)
                {
                    throw new StoreException($"schema version {current} is newer than this build understands ({s_migrations.Length}); upgrade tlsgw");
                }

                if (current >= version)
                {
                    transaction.Commit();
                    continue;
                }
            }

            Execute(connection, transaction, s_migrations[version - 1]);
            Execute(connection, transaction, $"INSERT INTO schema_version (version) VALUES ({version})");
            transaction.Commit();
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using NpgsqlCommand command = new(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
