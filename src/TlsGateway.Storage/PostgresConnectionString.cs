using Npgsql;

namespace TlsGateway.Storage;

/// <summary>
/// Turns what an operator writes (a libpq URI, <c>postgres://user:pass@host:port/db?sslmode=…</c>
/// or <c>postgresql://…</c>, or an Npgsql connection string) into an Npgsql connection string,
/// and describes it without the password. Npgsql itself does not read URIs.
/// </summary>
/// <remarks>
/// Follows the libpq URI form (PostgreSQL docs §34.1.1): percent-encoded user, password and
/// database; an IPv6 host in brackets; query parameters in libpq spelling. Non-goal: libpq's
/// multi-host lists.
/// </remarks>
public static class PostgresConnectionString
{
    private static readonly Dictionary<string, string> s_uriParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "Host",
        ["port"] = "Port",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
    };

    /// <summary>Whether <paramref name="location"/> is a PostgreSQL URI.</summary>
    public static bool IsUri(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a URI or an Npgsql connection string.</summary>
    /// <exception cref="StoreException">It is neither; the message never repeats the input, which may hold a password.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        try
        {
            return IsUri(location) ? ParseUri(location) : new NpgsqlConnectionStringBuilder(location);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException)
        {
            throw new StoreException($"cannot read the PostgreSQL location: {exception.Message}", exception);
        }
    }

    /// <summary>"postgres://user@host:port/database" — never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string user = string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@";
        string host = builder.Host ?? "";
        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('/'))
        {
            host = "[" + host + "]";
        }

        return $"postgres://{user}{host}:{builder.Port}/{builder.Database}";
    }

    private static NpgsqlConnectionStringBuilder ParseUri(string location)
    {
        var uri = new Uri(location, UriKind.Absolute);
        var builder = new NpgsqlConnectionStringBuilder();
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            string[] userInfo = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
            if (userInfo.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[1]);
            }
        }

        string host = uri.Host;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (host.Length > 0)
        {
            builder.Host = host;
        }

        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2);
            string name = Uri.UnescapeDataString(parts[0]);
            string value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            if (!s_uriParameters.TryGetValue(name, out string? keyword))
            {
                throw new ArgumentException($"unsupported URI parameter '{name}'");
            }

            // libpq spells modes "verify-full"; Npgsql's enum is VerifyFull.
            builder[keyword] = keyword == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value;
        }

        return builder;
    }
}
