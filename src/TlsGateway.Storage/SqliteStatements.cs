using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>
/// The hot-path commands of <see cref="SqliteCaStore"/>, created and prepared once and reused,
/// so issuing a leaf costs no SQL parsing. Not thread-safe: the store's gate serializes callers.
/// </summary>
internal sealed class SqliteStatements : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertCertificate;
    private readonly SqliteCommand _findCertificate;
    private readonly SqliteCommand _revoke;
    private readonly SqliteCommand _auditHead;
    private readonly SqliteCommand _insertAudit;
    private readonly SqliteCommand _readAudit;
    private readonly SqliteCommand _nextCrlNumber;

    public SqliteStatements(SqliteConnection connection)
    {
        _connection = connection;

        // ON CONFLICT DO NOTHING reports a duplicate serial as "0 rows" instead of an exception
        // that would leave the transaction half-used.
        _insertCertificate = Create(
            "INSERT INTO certificates (" + SqliteRows.CertificateColumns + ") " +
            "VALUES (@serial, @spiffe_id, @not_before, @not_after, @fingerprint, @generation, @der, @status, @revoked_at, @reason) " +
            "ON CONFLICT (serial) DO NOTHING",
            ("@serial", SqliteType.Text), ("@spiffe_id", SqliteType.Text), ("@not_before", SqliteType.Integer), ("@not_after", SqliteType.Integer),
            ("@fingerprint", SqliteType.Text), ("@generation", SqliteType.Integer), ("@der", SqliteType.Blob), ("@status", SqliteType.Integer),
            ("@revoked_at", SqliteType.Integer), ("@reason", SqliteType.Integer));
        _findCertificate = Create(
            $"SELECT {SqliteRows.CertificateColumns} FROM certificates WHERE serial = @serial",
            ("@serial", SqliteType.Text));
        _revoke = Create(
            "UPDATE certificates SET status = @revoked, revoked_at = @revoked_at, reason = @reason WHERE serial = @serial AND status <> @revoked",
            ("@revoked", SqliteType.Integer), ("@revoked_at", SqliteType.Integer), ("@reason", SqliteType.Integer), ("@serial", SqliteType.Text));
        _auditHead = Create("SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1");
        _insertAudit = Create(
            $"INSERT INTO audit ({SqliteRows.AuditColumns}) VALUES (@sequence, @time, @kind, @actor, @subject, @detail, @prev_hash, @hash)",
            ("@sequence", SqliteType.Integer), ("@time", SqliteType.Integer), ("@kind", SqliteType.Text), ("@actor", SqliteType.Text),
            ("@subject", SqliteType.Text), ("@detail", SqliteType.Text), ("@prev_hash", SqliteType.Blob), ("@hash", SqliteType.Blob));
        _readAudit = Create(
            $"SELECT {SqliteRows.AuditColumns} FROM audit WHERE sequence >= @from ORDER BY sequence LIMIT @limit",
            ("@from", SqliteType.Integer), ("@limit", SqliteType.Integer));
        _nextCrlNumber = Create("UPDATE crl_number SET value = value + 1 WHERE id = 1 RETURNING value");
    }

    /// <summary>Returns false, writing nothing, when the serial is already in the ledger.</summary>
    public bool InsertCertificate(SqliteTransaction transaction, IssuedCertificate certificate)
    {
        SqliteParameterCollection p = _insertCertificate.Parameters;
        p[0].Value = certificate.Serial;
        p[1].Value = certificate.SpiffeId;
        p[2].Value = certificate.NotBefore.ToUnixTimeMilliseconds();
        p[3].Value = certificate.NotAfter.ToUnixTimeMilliseconds();
        p[4].Value = certificate.Sha256Fingerprint;
        p[5].Value = certificate.Generation;
        p[6].Value = certificate.Der;
        p[7].Value = (int)certificate.Status;
        p[8].Value = certificate.RevokedAt is { } revokedAt ? revokedAt.ToUnixTimeMilliseconds() : DBNull.Value;
        p[9].Value = certificate.RevocationReason is { } reason ? (int)reason : DBNull.Value;
        _insertCertificate.Transaction = transaction;
        return _insertCertificate.ExecuteNonQuery() == 1;
    }

    public IssuedCertificate? FindCertificate(string serial)
    {
        _findCertificate.Parameters[0].Value = serial;
        using SqliteDataReader reader = _findCertificate.ExecuteReader();
        return reader.Read() ? SqliteRows.ReadCertificate(reader) : null;
    }

    /// <summary>Returns whether the serial went from active to revoked.</summary>
    public bool Revoke(SqliteTransaction transaction, string serial, RevocationReason reason, DateTimeOffset revokedAt)
    {
        SqliteParameterCollection p = _revoke.Parameters;
        p[0].Value = (int)CertificateStatus.Revoked;
        p[1].Value = revokedAt.ToUnixTimeMilliseconds();
        p[2].Value = (int)reason;
        p[3].Value = serial;
        _revoke.Transaction = transaction;
        return _revoke.ExecuteNonQuery() == 1;
    }

    /// <summary>The sequence and previous hash the next audit event takes.</summary>
    public (long Sequence, byte[] PreviousHash) ReadAuditHead(SqliteTransaction transaction)
    {
        _auditHead.Transaction = transaction;
        using SqliteDataReader reader = _auditHead.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) + 1, (byte[])reader.GetValue(1)) : (1, AuditChain.GenesisHash);
    }

    public void InsertAudit(SqliteTransaction transaction, AuditEvent auditEvent)
    {
        SqliteParameterCollection p = _insertAudit.Parameters;
        p[0].Value = auditEvent.Sequence;
        p[1].Value = auditEvent.Time.ToUnixTimeMilliseconds();
        p[2].Value = auditEvent.Kind;
        p[3].Value = auditEvent.Actor;
        p[4].Value = auditEvent.Subject;
        p[5].Value = auditEvent.Detail;
        p[6].Value = auditEvent.PreviousHash;
        p[7].Value = auditEvent.Hash;
        _insertAudit.Transaction = transaction;
        _insertAudit.ExecuteNonQuery();
    }

    public IReadOnlyList<AuditEvent> ReadAudit(long fromSequence, int limit)
    {
        _readAudit.Parameters[0].Value = fromSequence;
        _readAudit.Parameters[1].Value = limit;
        var events = new List<AuditEvent>();
        using SqliteDataReader reader = _readAudit.ExecuteReader();
        while (reader.Read())
        {
            events.Add(SqliteRows.ReadAuditEvent(reader));
        }

        return events;
    }

    public long NextCrlNumber()
    {
        return (long)_nextCrlNumber.ExecuteScalar()!;
    }

    public IReadOnlyList<CaGeneration> ListGenerations(SqliteTransaction? transaction)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {SqliteRows.GenerationColumns} FROM generations ORDER BY id";
        var generations = new List<CaGeneration>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            generations.Add(SqliteRows.ReadGeneration(reader));
        }

        return generations;
    }

    /// <summary>
    /// Inserts a generation (id 0 takes the next id) or, for an existing id, updates only its
    /// state and, when given, its cross-signed certificate: the rest of a generation is fixed
    /// when it is made. Returns the id.
    /// </summary>
    public int SaveGeneration(SqliteTransaction transaction, CaGeneration generation)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        int id = generation.Id;
        if (id == 0)
        {
            command.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM generations";
            id = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        command.CommandText =
            $"INSERT INTO generations ({SqliteRows.GenerationColumns}) " +
            "VALUES (@id, @state, @root_pem, @chain_pem, @key_location, @created_at, @not_after, @cross_signed_pem) " +
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state, " +
            "cross_signed_pem = COALESCE(excluded.cross_signed_pem, generations.cross_signed_pem)";
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@state", (int)generation.State);
        command.Parameters.AddWithValue("@root_pem", generation.RootPem);
        command.Parameters.AddWithValue("@chain_pem", generation.ChainPem);
        command.Parameters.AddWithValue("@key_location", generation.KeyLocation);
        command.Parameters.AddWithValue("@created_at", generation.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@not_after", generation.IntermediateNotAfter.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("@cross_signed_pem", (object?)generation.CrossSignedPem ?? DBNull.Value);
        command.ExecuteNonQuery();
        return id;
    }

    public void Dispose()
    {
        _insertCertificate.Dispose();
        _findCertificate.Dispose();
        _revoke.Dispose();
        _auditHead.Dispose();
        _insertAudit.Dispose();
        _readAudit.Dispose();
        _nextCrlNumber.Dispose();
    }

    private SqliteCommand Create(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, SqliteType type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        return command;
    }
}
