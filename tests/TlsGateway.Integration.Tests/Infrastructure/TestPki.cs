using TlsGateway.Crypto;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// The test PKI made once per test run by tests/fixtures/make-test-pki.sh with the real openssl
/// CLI (and SoftHSM2 for the token key): roots, leaves in every key format, client certificates.
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> s_instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private TestPki(string directory)
    {
        Directory = directory;
    }

    public static TestPki Instance => s_instance.Value;

    public string Directory { get; }

    public string CaPath => PathOf("ca.pem");

    public string SoftHsmConfig => PathOf("softhsm/softhsm2.conf");

    public string SoftHsmModule => File.ReadAllText(PathOf("softhsm/module.path")).Trim();

    public string TokenKeyUri => File.ReadAllText(PathOf("softhsm/key.uri")).Trim();

    public string PathOf(string name) => Path.Combine(Directory, name);

    public byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>Loads NAME.pem with NAME.key (unencrypted).</summary>
    public CertificateKeyPair Load(string name) => CertificateKeyPair.Load(PathOf(name + ".pem"), new PrivateKeySource(PathOf(name + ".key")));

    private static TestPki Create()
    {
        string directory = Path.Combine(Path.GetTempPath(), "tlsgw-test-pki-" + Environment.ProcessId);
        string script = Path.Combine(RepoPaths.Root, "tests", "fixtures", "make-test-pki.sh");
        ProcessResult result = ProcessRunner.RunAsync("bash", [script, directory], timeout: TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"make-test-pki.sh failed ({result.ExitCode}): {result.Combined}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            TestLogArchive.HarvestSecrets(directory);
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        };
        return new TestPki(directory);
    }
}
