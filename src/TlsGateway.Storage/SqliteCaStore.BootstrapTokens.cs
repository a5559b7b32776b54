using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>Bootstrap tokens on SQLite (see <see cref="ICaStore.ConsumeBootstrapTokenAsync"/>).</summary>
public sealed partial class SqliteCaStore
{
    private const string TokenColumns = SqliteRows.TokenColumns;

    public async Task CreateBootstrapTokenAsync(BootstrapToken token, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        BootstrapTokenRules.Check(token);
        StoreArguments.Check(audit);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            using SqliteCommand insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText =
                "INSERT INTO bootstrap_tokens (hash, spiffe_id, created_at, expires_at, created_by) " +
                "VALUES (@hash, @spiffe_id, @created_at, @expires_at, @created_by) ON CONFLICT (hash) DO NOTHING";
            insert.Parameters.AddWithValue("@hash", token.Hash);
            insert.Parameters.AddWithValue("@spiffe_id", token.SpiffeId);
            insert.Parameters.AddWithValue("@created_at", token.CreatedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("@expires_at", token.ExpiresAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("@created_by", token.CreatedBy);
            if (insert.ExecuteNonQuery() != 1)
            {
                // Disposing the transaction rolls it back: neither row nor audit event is written.
                throw new StoreException($"a bootstrap token with hash {token.Id}… already exists in {Description}");
            }

            AppendAudit(transaction, audit);
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<BootstrapTokenUse> ConsumeBootstrapTokenAsync(string tokenHash, DateTimeOffset now, string actor, CancellationToken cancellationToken = default)
    {
        BootstrapTokenRules.CheckHash(tokenHash, nameof(tokenHash));
        ArgumentNullException.ThrowIfNull(actor);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // BEGIN IMMEDIATE takes the database's write lock before the row is read, so another
            // process on the same file cannot spend the token between this read and the update.
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            BootstrapToken? row = ReadToken(transaction, tokenHash);
            BootstrapTokenOutcome outcome = BootstrapTokenRules.Decide(row, now);
            if (outcome == BootstrapTokenOutcome.Consumed && !MarkUsed(transaction, tokenHash, now, actor))
            {
                outcome = BootstrapTokenOutcome.AlreadyUsed;
            }

            AppendAudit(transaction, BootstrapTokenRules.Audit(outcome, tokenHash, actor, row?.SpiffeId));
            transaction.Commit();
            return new BootstrapTokenUse(outcome, outcome == BootstrapTokenOutcome.Consumed ? row!.SpiffeId : null);
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<BootstrapToken>> ListBootstrapTokensAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = $"SELECT {TokenColumns} FROM bootstrap_tokens ORDER BY created_at DESC, hash";
            var tokens = new List<BootstrapToken>();
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                tokens.Add(SqliteRows.ReadToken(reader));
            }

            return tokens;
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private BootstrapToken? ReadToken(SqliteTransaction transaction, string hash)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {TokenColumns} FROM bootstrap_tokens WHERE hash = @hash";
        command.Parameters.AddWithValue("@hash", hash);
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? SqliteRows.ReadToken(reader) : null;
    }

    /// <summary>Returns false when the row was already spent (the conditional update is the last word on "exactly once").</summary>
    private bool MarkUsed(SqliteTransaction transaction, string hash, DateTimeOffset now, string actor)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE bootstrap_tokens SET used_at = @now, used_by = @actor WHERE hash = @hash AND used_at IS NULL";
        command.Parameters.AddWithValue("@now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@actor", actor);
        command.Parameters.AddWithValue("@hash", hash);
        return command.ExecuteNonQuery() == 1;
    }
}
