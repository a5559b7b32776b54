namespace TlsGateway.Storage;

/// <summary>Opens the store a configured location names.</summary>
public static class CaStore
{
    private const string SqlitePrefix = "sqlite:";

    /// <summary>
    /// <c>postgres://…</c> or <c>postgresql://…</c> → <see cref="PostgresCaStore"/>;
    /// <c>sqlite:PATH</c>, <c>sqlite::memory:</c> or a plain path → <see cref="SqliteCaStore"/>;
    /// an Npgsql connection string (<c>Host=…;Database=…</c>) → <see cref="PostgresCaStore"/>.
    /// </summary>
    /// <exception cref="StoreException">The store cannot be opened or migrated; the message names it without credentials.</exception>
    public static ICaStore Open(string location, TimeProvider? timeProvider = null)
    {
        if (IsPostgres(location))
        {
            return PostgresCaStore.Open(location, timeProvider);
        }

        if (location.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase))
        {
            string path = location[SqlitePrefix.Length..];
            return path == ":memory:" ? SqliteCaStore.OpenInMemory(timeProvider) : SqliteCaStore.Open(path, timeProvider);
        }

        return SqliteCaStore.Open(location, timeProvider);
    }

    /// <summary>Whether <paramref name="location"/> names a PostgreSQL store (a URI or an Npgsql connection string), by the rules of <see cref="Open"/>.</summary>
    public static bool IsPostgres(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        return PostgresConnectionString.IsUri(location)
            || (!location.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase) && LooksLikeConnectionString(location));
    }

    /// <summary>
    /// Whether <paramref name="location"/> carries a password (<c>postgres://user:password@…</c> or
    /// <c>Password=…</c>): such a location must not be written to a settings file.
    /// </summary>
    /// <exception cref="StoreException">A PostgreSQL location that cannot be read; the message does not repeat it.</exception>
    public static bool HasPassword(string location) =>
        IsPostgres(location) && !string.IsNullOrEmpty(PostgresConnectionString.Parse(location).Password);

    /// <summary>"Host=db;Database=ca": key=value pairs, the first key being a word, not a path.</summary>
    private static bool LooksLikeConnectionString(string location)
    {
        int equals = location.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return false;
        }

        string firstKey = location[..equals].Trim();
        return firstKey.All(c => char.IsAsciiLetter(c) || c == ' ');
    }
}
