namespace TlsGateway.Integration.Tests.Scenarios.Deploy;

/// <summary>
/// A systemd unit file read the way systemd reads one (systemd.syntax(7)): sections, `Key=value`
/// lines, `#`/`;` comments, a trailing backslash continuing a line. A key may repeat.
/// </summary>
public sealed class SystemdUnit
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    private SystemdUnit(string path)
    {
        Path = path;
        string section = "";
        string pending = "";
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line[0] is '#' or ';'))
            {
                continue;
            }

            if (pending.Length > 0 && line.Length > 0 && line[0] is '#' or ';')
            {
                continue; // comment lines inside a continuation are skipped
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                _entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }
        }
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public static SystemdUnit Read(string path) => new(path);

    /// <summary>Every value of <paramref name="key"/> in <paramref name="section"/>, in order.</summary>
    public IReadOnlyList<string> All(string section, string key) =>
        _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value).ToList();

    /// <summary>The last value of a key (what systemd uses for single-valued keys), or null.</summary>
    public string? Get(string section, string key) => All(section, key).LastOrDefault();

    public bool Has(string section, string key) => All(section, key).Count > 0;

    /// <summary>ExecStart split on whitespace (the units here quote nothing).</summary>
    public IReadOnlyList<string> ExecStart =>
        Get("Service", "ExecStart")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>The value after <paramref name="option"/> in ExecStart, or null.</summary>
    public string? Option(string option)
    {
        int at = ExecStart.ToList().IndexOf(option);
        return at >= 0 && at + 1 < ExecStart.Count ? ExecStart[at + 1] : null;
    }

    public override string ToString() => Name;
}
