namespace TlsGateway.Config;

/// <summary>Key path → line in the config file, so checks made after parsing can still cite a line.</summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public SourceMap(string file)
    {
        File = file;
    }

    public string File { get; }

    public void Record(string path, int line) => _lines.TryAdd(path, line);

    /// <summary>An error at <paramref name="path"/>: "file:line: path: message".</summary>
    public ConfigException Error(string path, string message) =>
        new($"{File}:{(_lines.TryGetValue(path, out int line) ? line : 0)}: {path}: {message}");
}
