using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>
/// An import into a <see cref="SqliteCaStore"/>: one <c>BEGIN IMMEDIATE</c> transaction (SQLite's
/// write lock, so no other process writes the file until it ends), holding the store's gate
/// until disposed. Rows go in with plain INSERTs: a duplicate key or a rejected row fails the
/// import instead of being skipped.
/// </summary>
internal sealed class SqliteStoreImport : IStoreImport
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteStatements _statements;
    private readonly Func<SqliteTransaction, AuditEntry, AuditEvent> _append;
    private readonly Action _release;
    private bool _disposed;

    private SqliteStoreImport(SqliteConnection connection, SqliteTransaction transaction, SqliteStatements statements,
        Func<SqliteTransaction, AuditEntry, AuditEvent> append, Action release)
    {
        _connection = connection;
        _transaction = transaction;
        _statements = statements;
        _append = append;
        _release = release;
        Contents = SqliteStoreSnapshot.ReadContents(connection, transaction);
    }

    public StoreContents Contents { get; }

    /// <summary>Begins the write transaction; <paramref name="release"/> runs once, on dispose or on failure here.</summary>
    /// <param name="append">The store's own audit append, so the event after the copy chains the way every other does.</param>
    public static SqliteStoreImport Begin(SqliteConnection connection, SqliteStatements statements,
        Func<SqliteTransaction, AuditEntry, AuditEvent> append, Action release)
    {
        SqliteTransaction? transaction = null;
        try
        {
            transaction = connection.BeginTransaction(deferred: false);
            return new SqliteStoreImport(connection, transaction, statements, append, release);
        }
        catch
        {
            transaction?.Dispose();
            release();
            throw;
        }
    }

    public Task<long> WriteGenerationsAsync(IAsyncEnumerable<CaGeneration> rows, CancellationToken cancellationToken) =>
        InsertAsync(
            rows,
            $"INSERT INTO generations ({SqliteRows.GenerationColumns}) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7)",
            g => [g.Id, (int)g.State, g.RootPem, g.ChainPem, g.KeyLocation, g.CreatedAt.ToUnixTimeMilliseconds(),
                g.IntermediateNotAfter.ToUnixTimeMilliseconds(), g.CrossSignedPem],
            cancellationToken);

    public async Task<long> WriteCertificatesAsync(IAsyncEnumerable<IssuedCertificate> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (IssuedCertificate certificate in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            // The hot-path insert skips a duplicate serial; here a duplicate means the source is not what it claims.
            if (!_statements.InsertCertificate(_transaction, certificate))
            {
                throw new StoreException($"certificate {certificate.Serial} is already in the destination");
            }

            count++;
        }

        return count;
    }

    public Task<long> WriteBootstrapTokensAsync(IAsyncEnumerable<BootstrapToken> rows, CancellationToken cancellationToken) =>
        InsertAsync(
            rows,
            $"INSERT INTO bootstrap_tokens ({SqliteRows.TokenColumns}) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)",
            t => [t.Hash, t.SpiffeId, t.CreatedAt.ToUnixTimeMilliseconds(), t.ExpiresAt.ToUnixTimeMilliseconds(), t.CreatedBy,
                t.UsedAt?.ToUnixTimeMilliseconds(), t.UsedBy],
            cancellationToken);

    public async Task<long> WriteAuditAsync(IAsyncEnumerable<AuditEvent> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (AuditEvent auditEvent in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            _statements.InsertAudit(_transaction, auditEvent);
            count++;
        }

        return count;
    }

    public Task SetCrlNumberAsync(long value, CancellationToken cancellationToken)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = StoreCopySql.SetCrlNumber;
        command.Parameters.AddWithValue("@value", value);
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<StoreContents> ReadContentsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(SqliteStoreSnapshot.ReadContents(_connection, _transaction));

    public IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken) =>
        SqliteStoreSnapshot.Read(_connection, _transaction, StoreCopySql.Audit, SqliteRows.ReadAuditEvent).ToAsyncEnumerable();

    public Task<AuditEvent> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        StoreArguments.Check(entry);
        return Task.FromResult(_append(_transaction, entry));
    }

    public Task CommitAsync(CancellationToken cancellationToken)
    {
        _transaction.Commit();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            // Without a commit, disposing the transaction rolls back every row written through it.
            _disposed = true;
            _transaction.Dispose();
            _release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs one prepared INSERT per row, binding <c>@p0…</c> in order; null binds SQL NULL.</summary>
    private async Task<long> InsertAsync<T>(IAsyncEnumerable<T> rows, string sql, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        long count = 0;
        await foreach (T row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            object?[] bound = values(row);
            command.Parameters.Clear();
            for (int i = 0; i < bound.Length; i++)
            {
                command.Parameters.AddWithValue("@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), bound[i] ?? DBNull.Value);
            }

            command.ExecuteNonQuery();
            count++;
        }

        return count;
    }
}
