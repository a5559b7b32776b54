using System.Security.Cryptography;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>
/// A whole CA in a temp directory, built the way `tlsgw ca init` builds one: a generation made by
/// <see cref="CaBootstrap"/> over a SQLite store file, then <see cref="CertificateAuthority.OpenAsync"/>
/// with the passphrase read from a file. Everything runs on one <see cref="ManualTimeProvider"/>.
/// Not a fake: every piece is the production code on a throwaway directory.
/// </summary>
public sealed class TestCa : IAsyncDisposable
{
    public const string TrustDomain = "example.org";

    private TestCa(TempDirectory directory, CaLayout layout, ICaStore store, byte[] passphrase, CaKeyAccess keyAccess,
        ManualTimeProvider time, CaKeyType keyType)
    {
        Directory = directory;
        Layout = layout;
        Store = store;
        Passphrase = passphrase;
        KeyAccess = keyAccess;
        Time = time;
        KeyType = keyType;
        Settings = new CaSettings(TrustDomain, keyType.Name);
    }

    public TempDirectory Directory { get; }

    public CaLayout Layout { get; }

    public ICaStore Store { get; }

    public byte[] Passphrase { get; }

    public CaKeyAccess KeyAccess { get; }

    /// <summary>The file the CA reads its key passphrase from (first line).</summary>
    public string PassphraseFile => KeyAccess.Passphrase!.FilePath!;

    public ManualTimeProvider Time { get; }

    public CaKeyType KeyType { get; }

    public CaSettings Settings { get; }

    public CertificateAuthority Authority { get; private set; } = null!;

    public static CaCaller Operator { get; } = CaCaller.ForOperator("ca-tests");

    /// <summary>
    /// PBKDF2 iterations for the test CAs' key files: a hundredth of the product's 600,000, so
    /// a test pays milliseconds, not a third of a second, per key. CaKeyFileTests checks the
    /// product default on its own CA.
    /// </summary>
    public const int KdfIterations = 6_000;

    /// <summary>A fresh CA with a self-signed root and one signing intermediate of <paramref name="keyType"/>.</summary>
    public static async Task<TestCa> CreateAsync(CaKeyType? keyType = null, IssuancePolicy? policy = null, ManualTimeProvider? time = null,
        TimeSpan? intermediateTtl = null, int kdfIterations = KdfIterations)
    {
        TestCa ca = Prepare(keyType ?? CaKeyType.EcdsaP256, time);
        try
        {
            await CaBootstrap.CreateGenerationAsync(ca.Store, ca.Layout, ca.Settings, ca.KeyAccess,
                new CaBootstrap.Options(ca.KeyType, ca.Passphrase, IntermediateTtl: intermediateTtl, KdfIterations: kdfIterations), Operator.Name, ca.Time);
            ca.Authority = await CertificateAuthority.OpenAsync(ca.Store, TrustDomain, ca.KeyAccess, policy, ca.Time);
            return ca;
        }
        catch
        {
            await ca.DisposeAsync();
            throw;
        }
    }

    /// <summary>A CA whose intermediate comes from an Istio cacerts directory.</summary>
    public static async Task<TestCa> ImportAsync(string cacertsDirectory, SecretSource? sourcePassphrase = null, ManualTimeProvider? time = null)
    {
        TestCa ca = Prepare(CaKeyType.EcdsaP256, time);
        try
        {
            await CaBootstrap.ImportCacertsAsync(ca.Store, ca.Layout, cacertsDirectory, sourcePassphrase, ca.Passphrase, Operator.Name, ca.Time,
                kdfIterations: KdfIterations);
            ca.Authority = await CertificateAuthority.OpenAsync(ca.Store, TrustDomain, ca.KeyAccess, null, ca.Time);
            return ca;
        }
        catch
        {
            await ca.DisposeAsync();
            throw;
        }
    }

    /// <summary>The temp directory, store and passphrase file, before any generation exists.</summary>
    public static TestCa Prepare(CaKeyType keyType, ManualTimeProvider? time = null)
    {
        var directory = new TempDirectory();
        var layout = new CaLayout(directory.PathOf("data"));
        layout.EnsureDirectories();
        // Printable random passphrase: the file holds its first line.
        byte[] passphrase = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        string passphraseFile = Path.Combine(layout.CaDirectory, "passphrase");
        File.WriteAllBytes(passphraseFile, [.. passphrase, (byte)'\n']);
        File.SetUnixFileMode(passphraseFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        time ??= new ManualTimeProvider();
        ICaStore store = CaStore.Open(layout.Database, time);
        return new TestCa(directory, layout, store, passphrase, new CaKeyAccess(SecretSource.FromFile(passphraseFile)), time, keyType);
    }

    /// <summary>Opens the CA over the store after the test made the generations itself.</summary>
    public async Task OpenAsync(IssuancePolicy? policy = null) =>
        Authority = await CertificateAuthority.OpenAsync(Store, TrustDomain, KeyAccess, policy, Time);

    public CaBootstrap.Options RotationOptions(bool crossSign = false, TimeSpan? intermediateTtl = null) =>
        new(KeyType, Passphrase, IntermediateTtl: intermediateTtl, CrossSign: crossSign, KdfIterations: KdfIterations);

    public static SpiffeId Workload(string serviceAccount, string ns = "default") =>
        SpiffeId.ForWorkload(TrustDomain, ns, serviceAccount);

    /// <summary>A workload asking for its own identity, as the SDS/Istio CA API would.</summary>
    public Task<IssuedIdentity> IssueToWorkloadAsync(SpiffeId workload, byte[] csr, TimeSpan? ttl = null) =>
        Authority.IssueAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(workload), Ttl: ttl));

    public async Task<IReadOnlyList<AuditEvent>> ReadAuditAsync()
    {
        var events = new List<AuditEvent>();
        await foreach (AuditEvent auditEvent in Store.ReadAuditAsync())
        {
            events.Add(auditEvent);
        }

        return events;
    }

    /// <summary>Writes leaf, chain and bundle PEM files for <paramref name="issued"/> and returns their names.</summary>
    public (string Leaf, string Chain, string Bundle) WriteFiles(IssuedIdentity issued, string prefix)
    {
        string leaf = Directory.Write($"{prefix}-leaf.pem", PemText.Encode("CERTIFICATE", issued.Certificate));
        string chain = Directory.Write($"{prefix}-chain.pem", PemText.EncodeAll("CERTIFICATE", issued.Chain));
        string bundle = Directory.Write($"{prefix}-bundle.pem", issued.BundlePem);
        return (leaf, chain, bundle);
    }

    /// <summary>openssl verify of the leaf against the bundle it came with, its chain as untrusted intermediates.</summary>
    public async Task<ProcessResult> VerifyWithOpenSslAsync(IssuedIdentity issued, string prefix, params string[] extraArguments)
    {
        (string leaf, string chain, string bundle) = WriteFiles(issued, prefix);
        return await OpenSsl.RunAsync(Directory.Path, ["verify", .. extraArguments, "-CAfile", bundle, "-untrusted", chain, leaf]);
    }

    public async ValueTask DisposeAsync()
    {
        Authority?.Dispose();
        await Store.DisposeAsync();
        Directory.Dispose();
    }
}
