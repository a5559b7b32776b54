using TlsGateway.Config;
using TlsGateway.Edge.Config;

namespace TlsGateway.Edge.Tests.Infrastructure;

/// <summary>
/// Config YAML for the reader and validator tests, and the assertions that an error names the
/// file, the line and the key path. Lines are found by a marker in the text rather than counted
/// by hand, so editing a snippet cannot silently make a line assertion wrong.
/// </summary>
public static class ConfigText
{
    /// <summary>Never read from disk: relative paths in the config resolve against /etc/tlsgw.</summary>
    public const string FileName = "/etc/tlsgw/tlsgw.yaml";

    /// <summary>One listener around <paramref name="chains"/> (list items indented by 8 spaces).</summary>
    public static string Listener(string chains) =>
        $"""
        edge:
          listeners:
            - name: public
              address: 127.0.0.1:8443
              filter_chains:
        {chains}
        """;

    /// <summary>A chain item with a certificate and upstream, plus <paramref name="extra"/> keys (10-space indent).</summary>
    public static string Chain(string name, string extra = "", string upstream = "{ endpoints: [127.0.0.1:8080] }") =>
        $$"""
                - name: {{name}}
                  certificates: [{ cert: certs/{{name}}.pem, key: certs/{{name}}.key }]
                  upstream: {{upstream}}
        {{extra}}
        """.TrimEnd() + "\n";

    public static EdgeConfig Read(string yaml) => EdgeConfigReader.Read(FileName, yaml);

    /// <summary>The 1-based line of the only line containing <paramref name="marker"/>.</summary>
    public static int LineOf(string yaml, string marker)
    {
        string[] lines = yaml.Split('\n');
        int[] matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(marker, StringComparison.Ordinal)).ToArray();
        Assert.True(matches.Length == 1, $"marker '{marker}' is on {matches.Length} lines of the test YAML; make it unique");
        return matches[0] + 1;
    }

    /// <summary>
    /// Reads <paramref name="yaml"/>, expecting it to be refused, and checks "file:line: path: " leads
    /// the message ("file:line: " for the document root, whose path is empty).
    /// </summary>
    public static ConfigException AssertRejected(string yaml, string lineMarker, string path, string reason) =>
        AssertRejected(yaml, LineOf(yaml, lineMarker), path, reason);

    public static ConfigException AssertRejected(string yaml, int line, string path, string reason)
    {
        var error = Assert.Throws<ConfigException>(() => Read(yaml));
        Assert.StartsWith(path.Length == 0 ? $"{FileName}:{line}: " : $"{FileName}:{line}: {path}: ", error.Message);
        Assert.Contains(reason, error.Message);
        return error;
    }
}
