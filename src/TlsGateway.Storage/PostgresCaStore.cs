using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace TlsGateway.Storage;

/// <summary>
/// The shared store: several CA replicas on one PostgreSQL database.
/// </summary>
/// <remarks>
/// Every write transaction first takes <c>pg_advisory_xact_lock(</c><see cref="WriteLockKey"/><c>)</c>,
/// so across every replica exactly one transaction at a time reads the audit head and appends
/// after it; the lock is released by COMMIT or ROLLBACK, so a crashed replica cannot hold it.
/// Taking the one lock first in every write also rules out deadlocks between writers that touch
/// the same ledger rows in different orders. The cost is that writes do not run in parallel,
/// which a CA's issuance rate does not need. Reads take no lock.
/// </remarks>
public sealed partial class PostgresCaStore : ICaStore
{
    /// <summary>pg_advisory_xact_lock key serializing writes: "tlsgwAud" in ASCII.</summary>
    public const long WriteLockKey = 0x746C736777417564;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _timeProvider;

    private PostgresCaStore(NpgsqlDataSource dataSource, string description, TimeProvider timeProvider)
    {
        _dataSource = dataSource;
        _timeProvider = timeProvider;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// Opens (migrating as needed) the database named by a <c>postgres://</c> or
    /// <c>postgresql://</c> URI or an Npgsql connection string.
    /// </summary>
    /// <exception cref="StoreException">The location is malformed, or the database cannot be reached or migrated.</exception>
    public static PostgresCaStore Open(string location, TimeProvider? timeProvider = null)
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(location);
        string description = PostgresConnectionString.Describe(builder);
        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            PostgresMigrations.Apply(dataSource);
            return new PostgresCaStore(dataSource, description, timeProvider ?? TimeProvider.System);
        }
        catch (Exception exception) when (exception is NpgsqlException or StoreException or TimeoutException or InvalidOperationException)
        {
            dataSource.Dispose();
            throw new StoreException($"cannot open CA store {description}: {exception.Message}", exception);
        }
    }

    public Task RecordIssuanceAsync(IssuedCertificate certificate, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(certificate);
        StoreArguments.Check(audit);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using NpgsqlCommand insert = new(
                    $"INSERT INTO certificates ({PostgresRows.CertificateColumns}) " +
                    "VALUES (@serial, @spiffe_id, @not_before, @not_after, @fingerprint, @generation, @der, @status, @revoked_at, @reason) " +
                    "ON CONFLICT (serial) DO NOTHING",
                    connection,
                    transaction);
                insert.Parameters.AddWithValue("serial", certificate.Serial);
                insert.Parameters.AddWithValue("spiffe_id", certificate.SpiffeId);
                insert.Parameters.AddWithValue("not_before", StoreTime.ToUtcDateTime(certificate.NotBefore));
                insert.Parameters.AddWithValue("not_after", StoreTime.ToUtcDateTime(certificate.NotAfter));
                insert.Parameters.AddWithValue("fingerprint", certificate.Sha256Fingerprint);
                insert.Parameters.AddWithValue("generation", certificate.Generation);
                insert.Parameters.AddWithValue("der", certificate.Der);
                insert.Parameters.AddWithValue("status", (short)certificate.Status);
                insert.Parameters.AddWithValue("revoked_at", NpgsqlDbType.TimestampTz, certificate.RevokedAt is { } at ? StoreTime.ToUtcDateTime(at) : DBNull.Value);
                insert.Parameters.AddWithValue("reason", NpgsqlDbType.Smallint, certificate.RevocationReason is { } reason ? (short)reason : DBNull.Value);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    // Thrown inside the transaction: disposing it rolls back, so nothing is written.
                    throw new DuplicateSerialException(certificate.Serial);
                }

                await AppendAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public async Task<IssuedCertificate?> FindCertificateAsync(string serial, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentException.ThrowIfNullOrEmpty(serial);
            await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT {PostgresRows.CertificateColumns} FROM certificates WHERE serial = @serial");
            command.Parameters.AddWithValue("serial", serial);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PostgresRows.ReadCertificate(reader) : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    public async Task<IReadOnlyList<IssuedCertificate>> ListCertificatesAsync(CertificateQuery query, CancellationToken cancellationToken = default)
    {
        try
        {
            StoreArguments.Check(query);
            await using NpgsqlCommand command = _dataSource.CreateCommand();
            (string where, List<KeyValuePair<string, object>> parameters) =
                CertificateQuerySql.Build(query, status => (short)status, time => StoreTime.ToUtcDateTime(time));
            foreach ((string name, object value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.CommandText = $"SELECT {PostgresRows.CertificateColumns} FROM certificates{where} ORDER BY not_after, serial LIMIT @limit";
            command.Parameters.AddWithValue("limit", query.Limit);
            var certificates = new List<IssuedCertificate>();
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                certificates.Add(PostgresRows.ReadCertificate(reader));
            }

            return certificates;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    public async Task<LiveCertificates> CountLiveCertificatesAsync(int generation, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        try
        {
            await using NpgsqlCommand command = _dataSource.CreateCommand(
                "SELECT COUNT(*), MAX(not_after) FROM certificates WHERE generation = @generation AND not_after > @now");
            command.Parameters.AddWithValue("generation", generation);
            command.Parameters.AddWithValue("now", StoreTime.ToUtcDateTime(now));
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            int count = (int)reader.GetInt64(0);
            return new LiveCertificates(count, count == 0 ? null : reader.GetFieldValue<DateTimeOffset>(1));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    public Task<IReadOnlyList<string>> RevokeAsync(IReadOnlyList<string> serials, RevocationReason reason, DateTimeOffset revokedAt, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        string[] distinct = StoreArguments.Distinct(serials);
        StoreArguments.Check(audit);
        return WriteAsync<IReadOnlyList<string>>(
            async (connection, transaction) =>
            {
                await using NpgsqlCommand update = new(
                    "UPDATE certificates SET status = @revoked, revoked_at = @revoked_at, reason = @reason " +
                    "WHERE serial = ANY(@serials) AND status <> @revoked RETURNING serial",
                    connection,
                    transaction);
                update.Parameters.AddWithValue("revoked", (short)CertificateStatus.Revoked);
                update.Parameters.AddWithValue("revoked_at", StoreTime.ToUtcDateTime(revokedAt));
                update.Parameters.AddWithValue("reason", (short)reason);
                update.Parameters.AddWithValue("serials", distinct);
                var changed = new HashSet<string>(StringComparer.Ordinal);
                await using (NpgsqlDataReader reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        changed.Add(reader.GetString(0));
                    }
                }

                // The request is audited even when nothing changed: a repeated revocation is still an act.
                await AppendAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                return distinct.Where(changed.Contains).ToArray();
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<CaGeneration>> ListGenerationsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT {PostgresRows.GenerationColumns} FROM generations ORDER BY id");
            var generations = new List<CaGeneration>();
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                generations.Add(PostgresRows.ReadGeneration(reader));
            }

            return generations;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    public Task<CaGeneration> SaveGenerationAsync(CaGeneration generation, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(generation);
        StoreArguments.Check(audit);
        return WriteAsync(
            async (connection, transaction) =>
            {
                // An existing generation changes only its state and, when given, its cross-signed
                // certificate: the rest is fixed when it is made. Id 0 takes the next id, which
                // the write lock makes race-free across replicas.
                await using NpgsqlCommand save = new(
                    $"INSERT INTO generations ({PostgresRows.GenerationColumns}) " +
                    "VALUES (CASE WHEN @id = 0 THEN (SELECT COALESCE(MAX(id), 0) + 1 FROM generations) ELSE @id END, " +
                    "@state, @root_pem, @chain_pem, @key_location, @created_at, @not_after, @cross_signed_pem) " +
                    "ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, " +
                    "cross_signed_pem = COALESCE(EXCLUDED.cross_signed_pem, generations.cross_signed_pem) " +
                    $"RETURNING {PostgresRows.GenerationColumns}",
                    connection,
                    transaction);
                save.Parameters.AddWithValue("id", generation.Id);
                save.Parameters.AddWithValue("state", (short)generation.State);
                save.Parameters.AddWithValue("root_pem", generation.RootPem);
                save.Parameters.AddWithValue("chain_pem", generation.ChainPem);
                save.Parameters.AddWithValue("key_location", generation.KeyLocation);
                save.Parameters.AddWithValue("created_at", StoreTime.ToUtcDateTime(generation.CreatedAt));
                save.Parameters.AddWithValue("not_after", StoreTime.ToUtcDateTime(generation.IntermediateNotAfter));
                save.Parameters.AddWithValue("cross_signed_pem", NpgsqlDbType.Text, (object?)generation.CrossSignedPem ?? DBNull.Value);
                CaGeneration stored;
                await using (NpgsqlDataReader reader = await save.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    stored = PostgresRows.ReadGeneration(reader);
                }

                await AppendAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                return stored;
            },
            cancellationToken);
    }

    public async Task<long> NextCrlNumberAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // The row lock taken by UPDATE orders replicas; every caller gets a distinct, larger number.
            await using NpgsqlCommand command = _dataSource.CreateCommand("UPDATE crl_number SET value = value + 1 WHERE id = 1 RETURNING value");
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    public Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        StoreArguments.Check(entry);
        return WriteAsync((connection, transaction) => AppendAuditAsync(connection, transaction, entry, cancellationToken), cancellationToken);
    }

    public async IAsyncEnumerable<AuditEvent> ReadAuditAsync(long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT {PostgresRows.AuditColumns} FROM audit WHERE sequence >= @from ORDER BY sequence");
        command.Parameters.AddWithValue("from", fromSequence);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return PostgresRows.ReadAuditEvent(reader);
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// A failure of the database under a running CA (server restarted or unreachable, connection
    /// dropped, statement timed out), named with the store — never its credentials — as every
    /// caller expects of a store: the CA counts it, the CA API answers UNAVAILABLE, an agent retries.
    /// </summary>
    private StoreException Failed(Exception e) => new($"CA store {Description} failed: {e.Message}", e);

    /// <summary>Runs <paramref name="work"/> in a transaction holding the write lock, and commits.</summary>
    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (NpgsqlCommand writeLock = new($"SELECT pg_advisory_xact_lock({WriteLockKey})", connection, transaction))
            {
                await writeLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            T result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }

    /// <summary>Appends after the current head; the caller holds the write lock.</summary>
    private async Task<AuditEvent> AppendAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        long sequence = 1;
        byte[] previousHash = AuditChain.GenesisHash;
        await using (NpgsqlCommand head = new("SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1", connection, transaction))
        await using (NpgsqlDataReader reader = await head.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sequence = reader.GetInt64(0) + 1;
                previousHash = reader.GetFieldValue<byte[]>(1);
            }
        }

        DateTimeOffset time = StoreTime.Now(_timeProvider);
        byte[] hash = AuditChain.ComputeHash(previousHash, sequence, time, entry.Kind, entry.Actor, entry.Subject, entry.Detail);
        await using NpgsqlCommand insert = new(
            $"INSERT INTO audit ({PostgresRows.AuditColumns}) VALUES (@sequence, @time, @kind, @actor, @subject, @detail, @prev_hash, @hash)",
            connection,
            transaction);
        insert.Parameters.AddWithValue("sequence", sequence);
        insert.Parameters.AddWithValue("time", time.UtcDateTime);
        insert.Parameters.AddWithValue("kind", entry.Kind);
        insert.Parameters.AddWithValue("actor", entry.Actor);
        insert.Parameters.AddWithValue("subject", entry.Subject);
        insert.Parameters.AddWithValue("detail", entry.Detail);
        insert.Parameters.AddWithValue("prev_hash", previousHash);
        insert.Parameters.AddWithValue("hash", hash);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new AuditEvent(sequence, time, entry.Kind, entry.Actor, entry.Subject, entry.Detail, previousHash, hash);
    }
}
