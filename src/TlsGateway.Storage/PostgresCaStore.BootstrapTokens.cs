using Npgsql;

namespace TlsGateway.Storage;

/// <summary>Bootstrap tokens on PostgreSQL (see <see cref="ICaStore.ConsumeBootstrapTokenAsync"/>).</summary>
public sealed partial class PostgresCaStore
{
    private const string TokenColumns = PostgresRows.TokenColumns;

    public Task CreateBootstrapTokenAsync(BootstrapToken token, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        BootstrapTokenRules.Check(token);
        StoreArguments.Check(audit);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using NpgsqlCommand insert = new(
                    "INSERT INTO bootstrap_tokens (hash, spiffe_id, created_at, expires_at, created_by) " +
                    "VALUES (@hash, @spiffe_id, @created_at, @expires_at, @created_by) ON CONFLICT (hash) DO NOTHING",
                    connection,
                    transaction);
                insert.Parameters.AddWithValue("hash", token.Hash);
                insert.Parameters.AddWithValue("spiffe_id", token.SpiffeId);
                insert.Parameters.AddWithValue("created_at", StoreTime.ToUtcDateTime(token.CreatedAt));
                insert.Parameters.AddWithValue("expires_at", StoreTime.ToUtcDateTime(token.ExpiresAt));
                insert.Parameters.AddWithValue("created_by", token.CreatedBy);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    // Thrown inside the transaction: disposing it rolls back, so nothing is written.
                    throw new StoreException($"a bootstrap token with hash {token.Id}… already exists in {Description}");
                }

                await AppendAuditAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task<BootstrapTokenUse> ConsumeBootstrapTokenAsync(string tokenHash, DateTimeOffset now, string actor, CancellationToken cancellationToken = default)
    {
        BootstrapTokenRules.CheckHash(tokenHash, nameof(tokenHash));
        ArgumentNullException.ThrowIfNull(actor);
        // The write lock WriteAsync takes orders every replica's consumers: the row read below
        // cannot change until this transaction ends, and the conditional UPDATE double-checks.
        return WriteAsync(
            async (connection, transaction) =>
            {
                BootstrapToken? row = null;
                await using (NpgsqlCommand read = new($"SELECT {TokenColumns} FROM bootstrap_tokens WHERE hash = @hash", connection, transaction))
                {
                    read.Parameters.AddWithValue("hash", tokenHash);
                    await using NpgsqlDataReader reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        row = PostgresRows.ReadToken(reader);
                    }
                }

                BootstrapTokenOutcome outcome = BootstrapTokenRules.Decide(row, now);
                if (outcome == BootstrapTokenOutcome.Consumed)
                {
                    await using NpgsqlCommand update = new(
                        "UPDATE bootstrap_tokens SET used_at = @now, used_by = @actor WHERE hash = @hash AND used_at IS NULL",
                        connection,
                        transaction);
                    update.Parameters.AddWithValue("now", StoreTime.ToUtcDateTime(now));
                    update.Parameters.AddWithValue("actor", actor);
                    update.Parameters.AddWithValue("hash", tokenHash);
                    if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        outcome = BootstrapTokenOutcome.AlreadyUsed;
                    }
                }

                await AppendAuditAsync(connection, transaction, BootstrapTokenRules.Audit(outcome, tokenHash, actor, row?.SpiffeId), cancellationToken)
                    .ConfigureAwait(false);
                return new BootstrapTokenUse(outcome, outcome == BootstrapTokenOutcome.Consumed ? row!.SpiffeId : null);
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<BootstrapToken>> ListBootstrapTokensAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT {TokenColumns} FROM bootstrap_tokens ORDER BY created_at DESC, hash");
            var tokens = new List<BootstrapToken>();
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tokens.Add(PostgresRows.ReadToken(reader));
            }

            return tokens;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Failed(e);
        }
    }
}
