namespace TlsGateway.Storage;

/// <summary>
/// Every stored time has millisecond precision: SQLite keeps Unix milliseconds, PostgreSQL keeps
/// microseconds, and the audit hash covers Unix milliseconds. Truncating before writing makes a
/// value read back from either database identical to the one that was hashed.
/// </summary>
internal static class StoreTime
{
    public static DateTimeOffset Truncate(DateTimeOffset time) => FromUnixMilliseconds(time.ToUnixTimeMilliseconds());

    public static DateTimeOffset FromUnixMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    public static DateTimeOffset Now(TimeProvider timeProvider) => Truncate(timeProvider.GetUtcNow());

    /// <summary>For PostgreSQL timestamptz parameters, which Npgsql only accepts as UTC.</summary>
    public static DateTime ToUtcDateTime(DateTimeOffset time) => Truncate(time).UtcDateTime;
}
