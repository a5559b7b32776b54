using System.Text.Json;
using System.Text.RegularExpressions;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A scratch `--data DIR` for one CA, deleted with everything in it on dispose, and the operator
/// CLI run against it: every command gets `--data DIR` appended, the way an operator script
/// passes it (`tlsgw ca …`, `tlsgw cert …`, `tlsgw audit …` all share the option).
/// </summary>
public sealed partial class CaDataDirectory : IDisposable
{
    public CaDataDirectory(string prefix = "tlsgw-ca-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>DIR/bundle.pem: every trusted root, rewritten on rotation and retirement.</summary>
    public string Bundle => PathOf("bundle.pem");

    /// <summary>DIR/tlsgw.db: the SQLite store, unless the CA was initialised with --store.</summary>
    public string Database => PathOf("tlsgw.db");

    public string PathOf(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>DIR/ca/gen-N/NAME, e.g. the generation's ca-cert.pem (Istio's cacerts names).</summary>
    public string Generation(int id, string file) => PathOf("ca", $"gen-{id}", file);

    /// <summary>`tlsgw ARGS --data DIR`, bounded like every other peer program.</summary>
    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [RepoPaths.TlsgwDll, .. arguments, "--data", Path], environment: environment,
            timeout: timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Runs a command that must succeed and returns its standard output.</summary>
    public async Task<string> RunOkAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        string[] list = arguments.ToArray();
        ProcessResult result = await RunAsync(list, environment);
        Assert.True(result.ExitCode == 0 && !result.TimedOut,
            $"tlsgw {string.Join(' ', list)} exited with {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}:\n{result.Combined}");
        return result.StandardOutput;
    }

    /// <summary>`ca init --trust-domain DOMAIN` plus <paramref name="extra"/>, which must succeed.</summary>
    public Task<string> InitAsync(string trustDomain = "example.org", IEnumerable<string>? extra = null,
        IDictionary<string, string>? environment = null) =>
        RunOkAsync(["ca", "init", "--trust-domain", trustDomain, .. extra ?? []], environment);

    /// <summary>`cert issue … --out DIR/NAME --json`; returns the parsed report (serial, not_after, file paths).</summary>
    public async Task<JsonElement> IssueAsync(string name, string spiffeId, IEnumerable<string>? extra = null,
        IDictionary<string, string>? environment = null)
    {
        string output = await RunOkAsync(["cert", "issue", "--spiffe-id", spiffeId, "--out", PathOf(name), "--json", .. extra ?? []], environment);
        using JsonDocument report = JsonDocument.Parse(output);
        return report.RootElement.Clone();
    }

    /// <summary>How many certificates a PEM file holds (e.g. roots in a trust bundle).</summary>
    public static int CountCertificates(string pemPath) => BeginCertificate().Matches(File.ReadAllText(pemPath)).Count;

    public void Dispose()
    {
        TestLogArchive.HarvestSecrets(Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }

    [GeneratedRegex("-----BEGIN CERTIFICATE-----")]
    private static partial Regex BeginCertificate();
}
