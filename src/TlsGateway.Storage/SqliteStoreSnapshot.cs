using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>
/// A read transaction on a <see cref="SqliteCaStore"/>'s connection, holding the store's gate
/// until disposed (so nothing else in this process uses the connection meanwhile). In WAL mode
/// the first SELECT fixes the snapshot every later read sees; other processes keep writing to
/// the file undisturbed, their commits simply stay invisible to this transaction.
/// </summary>
internal sealed class SqliteStoreSnapshot : IStoreSnapshot
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly Action _release;
    private bool _disposed;

    private SqliteStoreSnapshot(SqliteConnection connection, SqliteTransaction transaction, StoreContents contents, Action release)
    {
        _connection = connection;
        _transaction = transaction;
        _release = release;
        Contents = contents;
    }

    public StoreContents Contents { get; }

    /// <summary>Begins the read transaction; <paramref name="release"/> runs once, on dispose or on failure here.</summary>
    public static SqliteStoreSnapshot Begin(SqliteConnection connection, Action release)
    {
        SqliteTransaction? transaction = null;
        try
        {
            // Deferred: BEGIN takes no lock, and this transaction never asks for the write lock.
            transaction = connection.BeginTransaction(deferred: true);
            return new SqliteStoreSnapshot(connection, transaction, ReadContents(connection, transaction), release);
        }
        catch
        {
            transaction?.Dispose();
            release();
            throw;
        }
    }

    public IAsyncEnumerable<CaGeneration> ReadGenerationsAsync(CancellationToken cancellationToken) =>
        Read(_connection, _transaction, StoreCopySql.Generations, SqliteRows.ReadGeneration).ToAsyncEnumerable();

    public IAsyncEnumerable<IssuedCertificate> ReadCertificatesAsync(CancellationToken cancellationToken) =>
        Read(_connection, _transaction, StoreCopySql.Certificates, SqliteRows.ReadCertificate).ToAsyncEnumerable();

    public IAsyncEnumerable<BootstrapToken> ReadBootstrapTokensAsync(CancellationToken cancellationToken) =>
        Read(_connection, _transaction, StoreCopySql.BootstrapTokens, SqliteRows.ReadToken).ToAsyncEnumerable();

    public IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken) =>
        Read(_connection, _transaction, StoreCopySql.Audit, SqliteRows.ReadAuditEvent).ToAsyncEnumerable();

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _transaction.Dispose();
            _release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Counts and audit head as <paramref name="transaction"/> sees them.</summary>
    public static StoreContents ReadContents(SqliteConnection connection, SqliteTransaction transaction)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = StoreCopySql.Counts;
        long[] counts = new long[6];
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            reader.Read();
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = reader.GetInt64(i);
            }
        }

        command.CommandText = StoreCopySql.AuditHead;
        using SqliteDataReader head = command.ExecuteReader();
        return head.Read()
            ? StoreCopySql.Contents(counts, head.GetInt64(0), (byte[])head.GetValue(1))
            : StoreCopySql.Contents(counts, 0, []);
    }

    /// <summary>Rows one at a time, so a table of any size streams through without being held in memory.</summary>
    public static IEnumerable<T> Read<T>(SqliteConnection connection, SqliteTransaction transaction, string sql, Func<SqliteDataReader, T> map)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return map(reader);
        }
    }
}
