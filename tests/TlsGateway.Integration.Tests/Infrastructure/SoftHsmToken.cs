namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A SoftHSM2 token of the test's own, in its own token directory (SOFTHSM2_CONF points at it),
/// so tests that generate keys never touch the shared test-PKI token. Keys are generated inside
/// the token with pkcs11-tool and are never extractable. The module path is the one the test PKI
/// script found.
/// </summary>
public sealed class SoftHsmToken : IDisposable
{
    private const string SoPin = "12345678";

    private SoftHsmToken(string directory, string label, string pin)
    {
        Directory = directory;
        Label = label;
        Pin = pin;
    }

    public string Directory { get; }

    public string Label { get; }

    public string Pin { get; }

    public string ConfigPath => Path.Combine(Directory, "softhsm2.conf");

    public string Module => TestPki.Instance.SoftHsmModule;

    /// <summary>The environment a process needs to find this token (SOFTHSM2_CONF), plus any extra variables.</summary>
    public Dictionary<string, string> Environment(params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };
        foreach ((string name, string value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    public static async Task<SoftHsmToken> CreateAsync(string label, string pin)
    {
        string directory = Path.Combine(Path.GetTempPath(), "tlsgw-softhsm-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "tokens"));
        var token = new SoftHsmToken(directory, label, pin);
        try
        {
            await File.WriteAllTextAsync(token.ConfigPath,
                $"directories.tokendir = {Path.Combine(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n");
            await token.RunAsync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", pin]);
            return token;
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    /// <summary>Generates an EC P-256 key pair inside the token; the private key never leaves it.</summary>
    public Task GenerateEcKeyAsync(string objectLabel) =>
        RunAsync("pkcs11-tool",
        [
            "--module", Module, "--token-label", Label, "--login", "--pin", Pin,
            "--keypairgen", "--key-type", "EC:prime256v1", "--label", objectLabel, "--id", "01",
        ]);

    /// <summary>Writes the DER SubjectPublicKeyInfo of a token key to <paramref name="path"/>.</summary>
    public Task ExportPublicKeyAsync(string objectLabel, string path) =>
        RunAsync("pkcs11-tool", ["--module", Module, "--token-label", Label, "--read-object", "--type", "pubkey", "--label", objectLabel, "-o", path]);

    private async Task RunAsync(string tool, string[] arguments)
    {
        ProcessResult result = await ProcessRunner.RunAsync(tool, arguments, environment: Environment());
        if (result.ExitCode != 0 || result.TimedOut)
        {
            throw new InvalidOperationException($"{tool} {arguments[0]} failed ({result.ExitCode}): {result.Combined}");
        }
    }

    public void Dispose()
    {
        TestLogArchive.HarvestSecrets(Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
