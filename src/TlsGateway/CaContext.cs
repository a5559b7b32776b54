using System.CommandLine;
using System.Security.Cryptography;

using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Host;

/// <summary>
/// The options every CA-facing command shares (--data, --store, --passphrase, PKCS#11) and the
/// one way to open the CA from them, so `ca`, `cert`, `audit`, `up` and `serve` agree on where
/// state lives.
/// </summary>
internal sealed class CaContext : IAsyncDisposable
{
    public const string PassphraseVariable = "TLSGW_CA_PASSPHRASE";

    private CaContext(CaLayout layout, CaSettings settings, ICaStore store, CaKeyAccess keyAccess, CertificateAuthority authority)
    {
        Layout = layout;
        Settings = settings;
        Store = store;
        KeyAccess = keyAccess;
        Authority = authority;
    }

    public CaLayout Layout { get; }

    public CaSettings Settings { get; }

    public ICaStore Store { get; }

    public CaKeyAccess KeyAccess { get; }

    public CertificateAuthority Authority { get; }

    /// <summary>Options shared by the CA commands, added to each command that needs them.</summary>
    internal sealed class Options
    {
        public Option<string> Data { get; } = new("--data") { Description = "State directory (CA keys, SQLite store, bundle.pem)", DefaultValueFactory = _ => "./data" };
        public Option<string?> Store { get; } = new("--store") { Description = "Store: a SQLite file path (default DIR/tlsgw.db) or postgres://user@host:port/db" };
        public Option<string?> Passphrase { get; } = new("--passphrase") { Description = $"CA key passphrase: file:PATH or env:NAME (default: env:{PassphraseVariable} if set, else DIR/ca/passphrase)" };
        public Option<string?> Pkcs11Module { get; } = new("--pkcs11-module") { Description = "PKCS#11 module for a CA key in a token, e.g. /usr/lib/softhsm/libsofthsm2.so" };
        public Option<string?> Pkcs11Pin { get; } = new("--pkcs11-pin") { Description = "Token user PIN: file:PATH or env:NAME" };
        public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output" };

        public void AddTo(Command command, bool json = true)
        {
            command.Options.Add(Data);
            command.Options.Add(Store);
            command.Options.Add(Passphrase);
            command.Options.Add(Pkcs11Module);
            command.Options.Add(Pkcs11Pin);
            if (json)
            {
                command.Options.Add(Json);
            }
        }

        public CaLayout Layout(ParseResult result) => new(result.GetValue(Data)!);

        /// <summary>The passphrase source, or null when none was given and no generated one exists yet.</summary>
        public SecretSource? PassphraseSource(ParseResult result, CaLayout layout)
        {
            if (result.GetValue(Passphrase) is string spec)
            {
                return SecretSource.Parse(spec);
            }

            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PassphraseVariable)))
            {
                return SecretSource.FromEnvironment(PassphraseVariable);
            }

            return File.Exists(layout.GeneratedPassphrase) ? SecretSource.FromFile(layout.GeneratedPassphrase) : null;
        }

        public CaKeyAccess KeyAccess(ParseResult result, SecretSource? passphrase)
        {
            string? module = result.GetValue(Pkcs11Module);
            string? pin = result.GetValue(Pkcs11Pin);
            Pkcs11Options? pkcs11 = module is null && pin is null ? null : new Pkcs11Options(module, pin is null ? null : SecretSource.Parse(pin));
            return new CaKeyAccess(passphrase, pkcs11);
        }

        public string StoreLocation(ParseResult result, CaLayout layout, CaSettings? settings) =>
            result.GetValue(Store) ?? settings?.Store ?? layout.Database;
    }

    /// <summary>Opens an initialised CA from command-line options: settings, store and signing keys.</summary>
    /// <param name="openKeys">False for commands that sign nothing (list, inspect, status, bundle, revoke): no key is unlocked, no passphrase needed.</param>
    /// <param name="policy">What the CA grants (default: <see cref="IssuancePolicy.Default"/>).</param>
    public static Task<CaContext> OpenAsync(Options options, ParseResult result, CancellationToken cancellationToken, bool openKeys = true,
        IssuancePolicy? policy = null)
    {
        CaLayout layout = options.Layout(result);
        return OpenAsync(layout, result.GetValue(options.Store), options.KeyAccess(result, options.PassphraseSource(result, layout)), cancellationToken, openKeys,
            policy);
    }

    /// <summary>Opens an initialised CA in <paramref name="layout"/>; the store is the given one, else the one chosen at init, else DIR/tlsgw.db.</summary>
    public static async Task<CaContext> OpenAsync(CaLayout layout, string? store, CaKeyAccess access, CancellationToken cancellationToken, bool openKeys = true,
        IssuancePolicy? policy = null)
    {
        CaSettings settings = CaSettings.Load(layout);
        ICaStore opened = CaStore.Open(store ?? settings.Store ?? layout.Database);
        try
        {
            CertificateAuthority authority = await CertificateAuthority.OpenAsync(opened, settings.TrustDomain, access, policy,
                cancellationToken: cancellationToken, openKeys: openKeys);
            return new CaContext(layout, settings, opened, access, authority);
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A passphrase for a new CA key file: the given source's bytes, or — for a local setup with
    /// none given — 32 random bytes written to DIR/ca/passphrase (mode 0600) and used from there.
    /// </summary>
    public static (byte[] Passphrase, SecretSource Source) NewKeyPassphrase(SecretSource? given, CaLayout layout)
    {
        if (given is not null)
        {
            byte[] bytes = given.ReadBytes();
            return bytes.Length > 0 ? (bytes, given) : throw new CaException($"the CA passphrase from {given} is empty");
        }

        string generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        AtomicFile.Write(layout.GeneratedPassphrase, generated + "\n", AtomicFile.PrivateMode);
        SecretSource source = SecretSource.FromFile(layout.GeneratedPassphrase);
        return (source.ReadBytes(), source);
    }

    public async ValueTask DisposeAsync()
    {
        Authority.Dispose();
        await Store.DisposeAsync();
    }

    /// <summary>Exit codes scripts can rely on (documented in README and `--help`).</summary>
    public static class ExitCodes
    {
        public const int Ok = 0;
        /// <summary>Refused or failed check: issuance denied, audit chain broken, nothing matched.</summary>
        public const int Refused = 1;
        /// <summary>Bad input or setup: bad flags, no CA, store unreachable, unreadable key.</summary>
        public const int BadInput = 2;
    }

}
