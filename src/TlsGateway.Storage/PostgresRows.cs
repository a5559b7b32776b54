using Npgsql;

namespace TlsGateway.Storage;

/// <summary>Maps PostgreSQL rows to the store's records; the column lists fix the order the readers expect.</summary>
internal static class PostgresRows
{
    public const string CertificateColumns = SqliteRows.CertificateColumns;

    public const string GenerationColumns = SqliteRows.GenerationColumns;

    public const string AuditColumns = SqliteRows.AuditColumns;

    public const string TokenColumns = SqliteRows.TokenColumns;

    public static IssuedCertificate ReadCertificate(NpgsqlDataReader reader) => new(
        Serial: reader.GetString(0),
        SpiffeId: reader.GetString(1),
        NotBefore: Time(reader, 2),
        NotAfter: Time(reader, 3),
        Sha256Fingerprint: reader.GetString(4),
        Generation: reader.GetInt32(5),
        Der: reader.GetFieldValue<byte[]>(6),
        Status: (CertificateStatus)reader.GetInt16(7),
        RevokedAt: reader.IsDBNull(8) ? null : Time(reader, 8),
        RevocationReason: reader.IsDBNull(9) ? null : (RevocationReason)reader.GetInt16(9));

    public static CaGeneration ReadGeneration(NpgsqlDataReader reader) => new(
        Id: reader.GetInt32(0),
        State: (CaGenerationState)reader.GetInt16(1),
        RootPem: reader.GetString(2),
        ChainPem: reader.GetString(3),
        KeyLocation: reader.GetString(4),
        CreatedAt: Time(reader, 5),
        IntermediateNotAfter: Time(reader, 6),
        CrossSignedPem: reader.IsDBNull(7) ? null : reader.GetString(7));

    public static AuditEvent ReadAuditEvent(NpgsqlDataReader reader) => new(
        Sequence: reader.GetInt64(0),
        Time: Time(reader, 1),
        Kind: reader.GetString(2),
        Actor: reader.GetString(3),
        Subject: reader.GetString(4),
        Detail: reader.GetString(5),
        PreviousHash: reader.GetFieldValue<byte[]>(6),
        Hash: reader.GetFieldValue<byte[]>(7));

    public static BootstrapToken ReadToken(NpgsqlDataReader reader) => new(
        Hash: reader.GetString(0),
        SpiffeId: reader.GetString(1),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(2),
        ExpiresAt: reader.GetFieldValue<DateTimeOffset>(3),
        CreatedBy: reader.GetString(4),
        UsedAt: reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        UsedBy: reader.IsDBNull(6) ? null : reader.GetString(6));

    private static DateTimeOffset Time(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);
}
