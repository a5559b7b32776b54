using TlsGateway.Crypto;

namespace TlsGateway.Ca;

/// <summary>
/// Where the CA keeps its files under the data directory (<c>--data DIR</c>, default ./data; the
/// same directory <c>tlsgw up</c> uses):
/// <code>
/// DIR/tlsgw.db                 SQLite store (unless a PostgreSQL store is configured)
/// DIR/bundle.pem               trusted roots, rewritten on every rotation (then DIR/sm2/bundle.pem's, if any)
/// DIR/ca/ca.json               trust domain and key type (written by `ca init`)
/// DIR/ca/passphrase            generated CA key passphrase, mode 0600, when none was given
/// DIR/ca/gen-N/root-cert.pem   generation N's root
/// DIR/ca/gen-N/root-key.pem    its key, encrypted PKCS#8, mode 0600 (absent for an external root)
/// DIR/ca/gen-N/ca-cert.pem     the signing intermediate
/// DIR/ca/gen-N/ca-key.pem      its key, encrypted PKCS#8, mode 0600 (absent when it is in a token)
/// DIR/ca/gen-N/cert-chain.pem  intermediate(s) up to the root
/// DIR/sm2/                     the SM2 CA `tlsgw up` keeps beside this one: a whole layout of its own
/// </code>
/// The file names of a generation directory are Istio's <c>cacerts</c> names.
/// </summary>
public sealed class CaLayout(string dataDirectory)
{
    public string DataDirectory { get; } = Path.GetFullPath(dataDirectory);

    public string Database => Path.Combine(DataDirectory, "tlsgw.db");

    public string Bundle => Path.Combine(DataDirectory, "bundle.pem");

    public string CaDirectory => Path.Combine(DataDirectory, "ca");

    public string Settings => Path.Combine(CaDirectory, "ca.json");

    public string GeneratedPassphrase => Path.Combine(CaDirectory, "passphrase");

    public string Generation(int id) => Path.Combine(CaDirectory, $"gen-{id}");

    /// <summary>
    /// The SM2 hierarchy `tlsgw up` runs beside its ECDSA one (RFC 8998 peers want SM2-with-SM3
    /// chains, which an ECDSA CA cannot sign). Its roots also go into this layout's bundle.
    /// </summary>
    public CaLayout Sm2Companion => new(Path.Combine(DataDirectory, "sm2"));

    public const string RootCertFile = "root-cert.pem";
    public const string RootKeyFile = "root-key.pem";
    public const string CaCertFile = "ca-cert.pem";
    public const string CaKeyFile = "ca-key.pem";
    public const string ChainFile = "cert-chain.pem";

    /// <summary>
    /// Writes DIR/bundle.pem (atomically): <paramref name="rootsPem"/>, this CA's own roots, then
    /// the roots of <see cref="Sm2Companion"/> if there is one, so a client given the one file
    /// trusts both of `tlsgw up`'s hierarchies. A CA without a companion writes its roots alone.
    /// </summary>
    public void WriteBundle(string rootsPem)
    {
        string companion = Sm2Companion.Bundle;
        string bundle = File.Exists(companion) ? rootsPem.TrimEnd('\n') + "\n" + File.ReadAllText(companion) : rootsPem;
        AtomicFile.Write(Bundle, bundle, AtomicFile.PublicMode);
    }

    /// <summary>Creates DIR and DIR/ca with mode 0700: they hold keys.</summary>
    public void EnsureDirectories()
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(CaDirectory, Private);
    }
}
