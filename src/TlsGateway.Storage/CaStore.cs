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
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (PostgresConnectionString.IsUri(location))
        {
            return PostgresCaStore.Open(location, timeProvider);
        }

        if (location.StartsWith(SqlitePrefix, StringComparison.OrdinalIgnoreCase))
        {
            string path = location[SqlitePrefix.Length..];
            return path == ":memory:" ? SqliteCaStore.OpenInMemory(timeProvider) : SqliteCaStore.Open(path, timeProvider);
        }

        if (LooksLikeConnectionString(location))
        {
            return PostgresCaStore.Open(location, timeProvider);
        }

        return SqliteCaStore.Open(location, timeProvider);
    }

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
