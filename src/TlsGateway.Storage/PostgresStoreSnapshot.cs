using System.Runtime.CompilerServices;
using Npgsql;

namespace TlsGateway.Storage;

/// <summary>
/// A <c>REPEATABLE READ, READ ONLY</c> transaction on a connection of its own: every read sees
/// the database as of the transaction's first statement, whatever replicas commit meanwhile,
/// and PostgreSQL itself refuses any write through it. Takes no lock, so replicas are not held up.
/// </summary>
internal sealed class PostgresStoreSnapshot : IStoreSnapshot
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private PostgresStoreSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, StoreContents contents)
    {
        _connection = connection;
        _transaction = transaction;
        Contents = contents;
    }

    public StoreContents Contents { get; }

    /// <summary>Opens a connection and the read transaction on it; both are closed on dispose.</summary>
    public static async Task<PostgresStoreSnapshot> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            // Must come before the first query of the transaction (PostgreSQL docs, SET TRANSACTION).
            await using (NpgsqlCommand readOnly = new("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            StoreContents contents = await ReadContentsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            return new PostgresStoreSnapshot(connection, transaction, contents);
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

    public IAsyncEnumerable<CaGeneration> ReadGenerationsAsync(CancellationToken cancellationToken) =>
        ReadAsync(_connection, _transaction, StoreCopySql.Generations, PostgresRows.ReadGeneration, cancellationToken);

    public IAsyncEnumerable<IssuedCertificate> ReadCertificatesAsync(CancellationToken cancellationToken) =>
        ReadAsync(_connection, _transaction, StoreCopySql.Certificates, PostgresRows.ReadCertificate, cancellationToken);

    public IAsyncEnumerable<BootstrapToken> ReadBootstrapTokensAsync(CancellationToken cancellationToken) =>
        ReadAsync(_connection, _transaction, StoreCopySql.BootstrapTokens, PostgresRows.ReadToken, cancellationToken);

    public IAsyncEnumerable<AuditEvent> ReadAuditAsync(CancellationToken cancellationToken) =>
        ReadAsync(_connection, _transaction, StoreCopySql.Audit, PostgresRows.ReadAuditEvent, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Counts and audit head as <paramref name="transaction"/> sees them.</summary>
    public static async Task<StoreContents> ReadContentsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        long[] counts = new long[6];
        await using (NpgsqlCommand command = new(StoreCopySql.Counts, connection, transaction))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        await using NpgsqlCommand headCommand = new(StoreCopySql.AuditHead, connection, transaction);
        await using NpgsqlDataReader head = await headCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await head.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? StoreCopySql.Contents(counts, head.GetInt64(0), head.GetFieldValue<byte[]>(1))
            : StoreCopySql.Contents(counts, 0, []);
    }

    /// <summary>Rows one at a time as the server sends them, so a table of any size streams through.</summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        Func<NpgsqlDataReader, T> map, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = new(sql, connection, transaction);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return map(reader);
        }
    }
}
