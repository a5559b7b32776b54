using Microsoft.Data.Sqlite;

namespace TlsGateway.Storage;

/// <summary>Maps SQLite rows to the store's records; the column lists fix the order the readers expect.</summary>
internal static class SqliteRows
{
    public const string CertificateColumns = "serial, spiffe_id, not_before, not_after, fingerprint, generation, der, status, revoked_at, reason";

    public const string GenerationColumns = "id, state, root_pem, chain_pem, key_location, created_at, intermediate_not_after, cross_signed_pem";

    public const string AuditColumns = "sequence, time, kind, actor, subject, detail, prev_hash, hash";

    public const string TokenColumns = "hash, spiffe_id, created_at, expires_at, created_by, used_at, used_by";

    public static IssuedCertificate ReadCertificate(SqliteDataReader reader) => new(
        Serial: reader.GetString(0),
        SpiffeId: reader.GetString(1),
        NotBefore: StoreTime.FromUnixMilliseconds(reader.GetInt64(2)),
        NotAfter: StoreTime.FromUnixMilliseconds(reader.GetInt64(3)),
        Sha256Fingerprint: reader.GetString(4),
        Generation: reader.GetInt32(5),
        Der: (byte[])reader.GetValue(6),
        Status: (CertificateStatus)reader.GetInt32(7),
        RevokedAt: reader.IsDBNull(8) ? null : StoreTime.FromUnixMilliseconds(reader.GetInt64(8)),
        RevocationReason: reader.IsDBNull(9) ? null : (RevocationReason)reader.GetInt32(9));

    public static CaGeneration ReadGeneration(SqliteDataReader reader) => new(
        Id: reader.GetInt32(0),
        State: (CaGenerationState)reader.GetInt32(1),
        RootPem: reader.GetString(2),
        ChainPem: reader.GetString(3),
        KeyLocation: reader.GetString(4),
        CreatedAt: StoreTime.FromUnixMilliseconds(reader.GetInt64(5)),
        IntermediateNotAfter: StoreTime.FromUnixMilliseconds(reader.GetInt64(6)),
        CrossSignedPem: reader.IsDBNull(7) ? null : reader.GetString(7));

    public static AuditEvent ReadAuditEvent(SqliteDataReader reader) => new(
        Sequence: reader.GetInt64(0),
        Time: StoreTime.FromUnixMilliseconds(reader.GetInt64(1)),
        Kind: reader.GetString(2),
        Actor: reader.GetString(3),
        Subject: reader.GetString(4),
        Detail: reader.GetString(5),
        PreviousHash: (byte[])reader.GetValue(6),
        Hash: (byte[])reader.GetValue(7));

    public static BootstrapToken ReadToken(SqliteDataReader reader) => new(
        Hash: reader.GetString(0),
        SpiffeId: reader.GetString(1),
        CreatedAt: StoreTime.FromUnixMilliseconds(reader.GetInt64(2)),
        ExpiresAt: StoreTime.FromUnixMilliseconds(reader.GetInt64(3)),
        CreatedBy: reader.GetString(4),
        UsedAt: reader.IsDBNull(5) ? null : StoreTime.FromUnixMilliseconds(reader.GetInt64(5)),
        UsedBy: reader.IsDBNull(6) ? null : reader.GetString(6));
}
