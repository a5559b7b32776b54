using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TlsGateway.Config;

/// <summary>
/// tlsgw.yaml as a whole: one YAML document whose top-level keys are the roles' sections.
/// Each role's reader takes its own section from here; an unknown top-level key is an error
/// (with a "did you mean" hint), so a misspelt section is never silently ignored.
/// </summary>
public static class ConfigDocument
{
    /// <summary>Every top-level section any role reads.</summary>
    public static readonly string[] Sections = ["edge", "agent", "ca", "admin", "store", "trust_domain"];

    /// <summary>Reads FILE (for error messages, and relative paths) and returns its root mapping.</summary>
    public static ConfigNode ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the config file: {e.Message}", e);
        }

        return Parse(path, text);
    }

    public static ConfigNode Parse(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}: not valid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet's scanner throws these on some malformed documents instead of a
            // YamlException (found by fuzzing, tests/TlsGateway.Edge.Tests/Fuzz): still bad input.
            throw new ConfigException($"{file}: not valid YAML: {e.Message}", e);
        }

        if (stream.Documents.Count != 1)
        {
            throw new ConfigException($"{file}: expected one YAML document, found {stream.Documents.Count}");
        }

        var root = new ConfigNode(file, "", stream.Documents[0].RootNode, new SourceMap(file));
        root.AllowKeys(Sections);
        return root;
    }
}
