using Npgsql;
using NpgsqlTypes;

namespace TlsGateway.Storage;

/// <summary>
/// An import into a <see cref="PostgresCaStore"/>: one transaction on a connection of its own
/// that first takes the store's write lock (<see cref="PostgresCaStore.WriteLockKey"/>), so no
/// replica appends to the audit log while the copied chain goes in. Rows go in through binary
/// <c>COPY … FROM STDIN</c> (one round trip per table, not per row); COPY checks every
/// constraint, so a duplicate or rejected row fails the import.
/// </summary>
internal sealed class PostgresStoreImport : IStoreImport
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly Func<NpgsqlConnection, NpgsqlTransaction, AuditEntry, CancellationToken, Task<AuditEvent>> _append;

    private PostgresStoreImport(NpgsqlConnection connection, NpgsqlTransaction transaction, StoreContents contents,
        Func<NpgsqlConnection, NpgsqlTransaction, AuditEntry, CancellationToken, Task<AuditEvent>> append)
    {
        _connection = connection;
        _transaction = transaction;
        _append = append;
        Contents = contents;
    }

    public StoreContents Contents { get; }

    /// <param name="append">The store's own audit append, so the event after the copy chains the way every other does.</param>
    public static async Task<PostgresStoreImport> BeginAsync(NpgsqlDataSource dataSource,
        Func<NpgsqlConnection, NpgsqlTransaction, AuditEntry, CancellationToken, Task<AuditEvent>> append, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (NpgsqlCommand writeLock = new($"SELECT pg_advisory_xact_lock({PostgresCaStore.WriteLockKey})", connection, transaction))
            {
                await writeLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            StoreContents contents = await PostgresStoreSnapshot.ReadContentsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            return new PostgresStoreImport(connection, transaction, contents, append);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<long> WriteGenerationsAsync(IAsyncEnumerable<CaGeneration> rows, CancellationToken cancellationToken) =>
        CopyAsync("generations", PostgresRows.GenerationColumns, rows, async (row, g, ct) =>
        {
            await row.WriteAsync(g.Id, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
            await row.WriteAsync((short)g.State, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
            await row.WriteAsync(g.RootPem, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(g.ChainPem, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(g.KeyLocation, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, g.CreatedAt, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, g.IntermediateNotAfter, ct).ConfigureAwait(false);
            await WriteTextAsync(row, g.CrossSignedPem, ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<long> WriteCertificatesAsync(IAsyncEnumerable<IssuedCertificate> rows, CancellationToken cancellationToken) =>
        CopyAsync("certificates", PostgresRows.CertificateColumns, rows, async (row, c, ct) =>
        {
            await row.WriteAsync(c.Serial, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(c.SpiffeId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, c.NotBefore, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, c.NotAfter, ct).ConfigureAwait(false);
            await row.WriteAsync(c.Sha256Fingerprint, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(c.Generation, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
            await row.WriteAsync(c.Der, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
            await row.WriteAsync((short)c.Status, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, c.RevokedAt, ct).ConfigureAwait(false);
            if (c.RevocationReason is { } reason)
            {
                await row.WriteAsync((short)reason, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
            }
            else
            {
                await row.WriteNullAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken);

    public Task<long> WriteBootstrapTokensAsync(IAsyncEnumerable<BootstrapToken> rows, CancellationToken cancellationToken) =>
        CopyAsync("bootstrap_tokens", PostgresRows.TokenColumns, rows, async (row, t, ct) =>
        {
            await row.WriteAsync(t.Hash, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(t.SpiffeId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, t.CreatedAt, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, t.ExpiresAt, ct).ConfigureAwait(false);
            await row.WriteAsync(t.CreatedBy, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, t.UsedAt, ct).ConfigureAwait(false);
            await WriteTextAsync(row, t.UsedBy, ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<long> WriteAuditAsync(IAsyncEnumerable<AuditEvent> rows, CancellationToken cancellationToken) =>
        CopyAsync("audit", PostgresRows.AuditColumns, rows, async (row, e, ct) =>
        {
            await row.WriteAsync(e.Sequence, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
            await WriteTimeAsync(row, e.Time, ct).ConfigureAwait(false);
            await row.WriteAsync(e.Kind, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(e.Actor, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(e.Subject, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(e.Detail, NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await row.WriteAsync(e.PreviousHash, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
            await row.WriteAsync(e.Hash, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
        }, cancellationToken);

    public async Task SetCrlNumberAsync(long value, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = new(StoreCopySql.SetCrlNumber, _connection, _transaction);
        command.Parameters.AddWithValue("value", value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<StoreContents> ReadContentsAsync(CancellationToken cancellationToken) =>
        PostgresStoreSnapshot.ReadContentsAsync(_connection, _transaction, cancellationToken);

    public IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken) =>
        PostgresStoreSnapshot.ReadAsync(_connection, _transaction, StoreCopySql.Audit, PostgresRows.ReadAuditEvent, cancellationToken);

    public Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        StoreArguments.Check(entry);
        return _append(_connection, _transaction, entry, cancellationToken);
    }

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Without a commit, disposing the transaction rolls back every row written through it.
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<long> CopyAsync<T>(string table, string columns, IAsyncEnumerable<T> rows,
        Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        // Disposed without Complete (the source failed, or a write threw), the importer cancels the
        // COPY, and the transaction's rollback then discards whatever rows had reached the server.
        await using NpgsqlBinaryImporter importer = await _connection
            .BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (T row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await write(importer, row, cancellationToken).ConfigureAwait(false);
            count++;
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    private static Task WriteTimeAsync(NpgsqlBinaryImporter row, DateTimeOffset? time, CancellationToken cancellationToken) =>
        time is { } value
            ? row.WriteAsync(StoreTime.ToUtcDateTime(value), NpgsqlDbType.TimestampTz, cancellationToken)
            : row.WriteNullAsync(cancellationToken);

    private static Task WriteTextAsync(NpgsqlBinaryImporter row, string? text, CancellationToken cancellationToken) =>
        text is not null ? row.WriteAsync(text, NpgsqlDbType.Text, cancellationToken) : row.WriteNullAsync(cancellationToken);
}
