namespace TlsGateway.Tls;

/// <summary>
/// Server name lookup: exact names first, then a wildcard for the left-most label only
/// ("*.example.com" matches "a.example.com", not "a.b.example.com" nor "example.com", as in
/// RFC 6125 section 6.4.3), then the default. Built once, read concurrently.
/// </summary>
public sealed class ServerNameMap<T>
    where T : class
{
    private readonly Dictionary<string, T> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, T> _wildcard = new(StringComparer.OrdinalIgnoreCase);

    public ServerNameMap(T? fallback)
    {
        Default = fallback;
    }

    public T? Default { get; }

    public void Add(string pattern, T value)
    {
        string name = pattern.Trim().TrimEnd('.');
        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            string suffix = name[2..];
            if (suffix.Length == 0 || suffix.Contains('*'))
            {
                throw new TlsConfigurationException($"server name '{pattern}' is not a valid wildcard: use '*.domain'");
            }

            Register(_wildcard, suffix, pattern, value);
        }
        else
        {
            if (name.Length == 0 || name.Contains('*'))
            {
                throw new TlsConfigurationException($"server name '{pattern}' is not valid: wildcards must be a whole left-most label ('*.domain')");
            }

            Register(_exact, name, pattern, value);
        }
    }

    /// <summary>The entry for <paramref name="serverName"/> and whether it matched a name (false = default or none).</summary>
    public (T? Value, bool Matched) Find(string? serverName)
    {
        // A '*' in the name a client sent is never a pattern: such a name matches nothing.
        if (string.IsNullOrEmpty(serverName) || serverName.Contains('*'))
        {
            return (Default, false);
        }

        string name = serverName.TrimEnd('.');
        if (_exact.TryGetValue(name, out T? exact))
        {
            return (exact, true);
        }

        int dot = name.IndexOf('.');
        if (dot > 0 && _wildcard.TryGetValue(name[(dot + 1)..], out T? wildcard))
        {
            return (wildcard, true);
        }

        return (Default, false);
    }

    private static void Register(Dictionary<string, T> map, string key, string pattern, T value)
    {
        if (!map.TryAdd(key, value) && !ReferenceEquals(map[key], value))
        {
            throw new TlsConfigurationException($"server name '{pattern}' is claimed by more than one entry");
        }
    }
}
