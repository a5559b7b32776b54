using System.Globalization;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace TlsGateway.Config;

/// <summary>
/// A YAML node that knows where it came from (file, line, key path), so every error it raises
/// names all three. Each mapping declares its keys (<see cref="AllowKeys"/>), so a typo is an
/// error instead of being silently ignored.
/// </summary>
public sealed class ConfigNode
{
    private readonly YamlNode _node;

    /// <summary>No timeout or period in the config is meant to exceed a year.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(366);

    public ConfigNode(string file, string path, YamlNode node, SourceMap map)
    {
        File = file;
        Path = path;
        _node = node;
        Map = map;
        map.Record(path, Line);
    }

    public string File { get; }

    public string Path { get; }

    public SourceMap Map { get; }

    public int Line => (int)_node.Start.Line;

    public ConfigException Error(string message) => new(Path.Length == 0 ? $"{File}:{Line}: {message}" : $"{File}:{Line}: {Path}: {message}");

    public ConfigNode? Optional(string key)
    {
        YamlMappingNode mapping = AsMapping();
        return mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) && !IsNull(child)
            ? new ConfigNode(File, Path.Length == 0 ? key : $"{Path}.{key}", child, Map)
            : null;
    }

    /// <summary>Whether the mapping has <paramref name="key"/> at all, even with an empty value.</summary>
    public bool Has(string key) => AsMapping().Children.ContainsKey(new YamlScalarNode(key));

    public ConfigNode Required(string key) => Optional(key) ?? throw Error($"'{key}' is required");

    /// <summary>
    /// Declares the keys this mapping may hold and rejects any other at once, so a typo is
    /// reported as such ("did you mean 'address'?") rather than as a missing required key.
    /// </summary>
    public void AllowKeys(params string[] known)
    {
        foreach ((YamlNode key, _) in AsMapping().Children)
        {
            string name = KeyName(key);
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                string? guess = known.MinBy(k => Distance(k, name));
                string hint = guess is not null && Distance(guess, name) <= 2 ? $"; did you mean '{guess}'?" : $" (known: {string.Join(", ", known)})";
                string at = Path.Length == 0 ? name : $"{Path}.{name}";
                throw new ConfigException($"{File}:{key.Start.Line}: {at}: unknown key{hint}");
            }
        }
    }

    public string AsString()
    {
        if (_node is not YamlScalarNode scalar || string.IsNullOrWhiteSpace(scalar.Value))
        {
            throw Error("expected a non-empty value");
        }

        return scalar.Value.Trim();
    }

    public int AsInt(int min, int max)
    {
        if (!int.TryParse(AsString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw Error($"expected a whole number from {min} to {max}, got '{AsString()}'");
        }

        return value;
    }

    public bool AsBool() => AsString().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        string other => throw Error($"expected true or false, got '{other}'"),
    };

    /// <summary>Durations as "250ms", "10s", "5m", "12h" or "1d"; must be positive.</summary>
    public TimeSpan AsDuration()
    {
        string text = AsString();
        int split = text.TakeWhile(c => char.IsDigit(c) || c == '.').Count();
        if (split == 0 || !double.TryParse(text[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || amount <= 0)
        {
            throw Error($"expected a positive duration such as 500ms, 10s, 5m or 12h, got '{text}'");
        }

        double seconds = text[split..] switch
        {
            "ms" => amount / 1000,
            "s" => amount,
            "m" => amount * 60,
            "h" => amount * 3600,
            "d" => amount * 86400,
            _ => throw Error($"unknown duration unit in '{text}': use ms, s, m, h or d"),
        };
        if (seconds > MaxDuration.TotalSeconds)
        {
            throw Error($"duration '{text}' is longer than the maximum of {MaxDuration.TotalDays:0} days");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>HOST:PORT; an IP literal (v6 in brackets) or a host name, resolved at connect time.</summary>
    public EndPoint AsEndpoint(bool requireIp)
    {
        try
        {
            return EndpointText.Parse(AsString(), requireIp);
        }
        catch (FormatException e)
        {
            throw Error(e.Message);
        }
    }

    public IReadOnlyList<ConfigNode> AsList()
    {
        if (_node is not YamlSequenceNode sequence)
        {
            throw Error("expected a list");
        }

        return sequence.Children.Select((child, i) => new ConfigNode(File, $"{Path}[{i}]", child, Map)).ToArray();
    }

    public IReadOnlyList<string> AsStringList() => AsList().Select(n => n.AsString()).ToArray();

    /// <summary>A file path; relative paths are relative to the config file's directory.</summary>
    public string AsPath()
    {
        string text = AsString();
        return System.IO.Path.IsPathRooted(text) ? text : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(File))!, text));
    }

    private string KeyName(YamlNode key) => key is YamlScalarNode { Value: { } name }
        ? name
        : throw new ConfigException($"{File}:{key.Start.Line}: {Path}: keys must be plain names, not lists or mappings");

    // Levenshtein distance, for "did you mean" hints on short key names.
    private static int Distance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            previous = current;
        }

        return previous[b.Length];
    }

    private YamlMappingNode AsMapping() => _node as YamlMappingNode ?? throw Error("expected a mapping of keys to values");

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain };
}
