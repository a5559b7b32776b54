using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Identity;

namespace TlsGateway.Host;

/// <summary>
/// What `tlsgw up` needs from the CA: a CA in DIR (created on first run with a generated
/// passphrase, like `ca init` with defaults), an SM2 CA beside it in DIR/sm2 (for RFC 8998
/// peers, which want SM2-with-SM3 chains), and one edge certificate for localhost from each —
/// DIR/edge and DIR/edge-sm2 — each renewed once half its lifetime has passed or when it was
/// signed by a generation that no longer issues.
/// </summary>
internal static class LocalIdentity
{
    public const string DefaultTrustDomain = "tlsgw.local";

    // Both edge certificates name the host as clients reach it: https://localhost and https://127.0.0.1.
    private static readonly IPAddress[] s_edgeAddresses = [IPAddress.Loopback];

    /// <param name="Certificate">PEM: the leaf, then the intermediate.</param>
    /// <param name="Key">PKCS#8 PEM, mode 0600.</param>
    public sealed record EdgeFiles(string Certificate, string Key);

    /// <summary>An edge certificate `up` keeps: the CA that issues it, where it lives, its key type.</summary>
    public sealed record EdgeLeaf(string Name, CaContext Ca, EdgeFiles Files, string KeyType);

    /// <summary>Opens the CA in LAYOUT, creating it with <paramref name="keyType"/> keys and a generated passphrase if there is none.</summary>
    public static async Task<CaContext> EnsureCaAsync(CaLayout layout, string trustDomain, CaKeyType keyType, CancellationToken cancellationToken)
    {
        if (!File.Exists(layout.Settings))
        {
            await CaInitialization.RunAsync(layout,
                new CaInitialization.Request(new CaSettings(trustDomain, keyType.Name), keyType, Passphrase: null),
                cancellationToken);
        }

        return await OpenCaAsync(layout, cancellationToken);
    }

    /// <summary>Opens the CA in LAYOUT with its key passphrase from TLSGW_CA_PASSPHRASE or the file `up` generated.</summary>
    public static async Task<CaContext> OpenCaAsync(CaLayout layout, CancellationToken cancellationToken)
    {
        SecretSource? passphrase = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CaContext.PassphraseVariable))
            ? SecretSource.FromEnvironment(CaContext.PassphraseVariable)
            : File.Exists(layout.GeneratedPassphrase) ? SecretSource.FromFile(layout.GeneratedPassphrase) : null;
        return await CaContext.OpenAsync(layout, null, new CaKeyAccess(passphrase), cancellationToken);
    }

    /// <summary>DIR/edge/cert.pem and key.pem: the ECDSA P-256 edge certificate.</summary>
    public static EdgeFiles PathsFor(CaLayout layout) => FilesIn(layout, "edge");

    /// <summary>DIR/edge-sm2/cert.pem and key.pem: the SM2 edge certificate, from the CA in <see cref="CaLayout.Sm2Companion"/>.</summary>
    public static EdgeFiles PathsForSm2(CaLayout layout) => FilesIn(layout, "edge-sm2");

    /// <summary>The two edge certificates of `up`, in DATA: ECDSA from <paramref name="ca"/>, SM2 from <paramref name="sm2Ca"/>.</summary>
    public static IReadOnlyList<EdgeLeaf> EdgeLeaves(CaLayout layout, CaContext ca, CaContext sm2Ca) =>
    [
        new("edge", ca, PathsFor(layout), CaKeyType.EcdsaP256.Name),
        new("SM2 edge", sm2Ca, PathsForSm2(layout), WorkloadKey.Sm2),
    ];

    /// <summary>Issues the certificate when it is missing, past half its life, or not from the active generation. Returns whether it did.</summary>
    public static async Task<bool> EnsureEdgeCertificateAsync(EdgeLeaf leaf, CancellationToken cancellationToken)
    {
        if (IsCurrent(leaf.Files, leaf.Ca.Authority.State))
        {
            return false;
        }

        SpiffeId id = SpiffeId.ForWorkload(leaf.Ca.Settings.TrustDomain, "default", "edge");
        (byte[] csr, string keyPem) = IssuedFiles.NewKeyAndCsr(leaf.KeyType, id, []);
        IssuedIdentity issued = await leaf.Ca.Authority.IssueAsync(
            new IssuanceRequest(csr, CaCaller.ForOperator("tlsgw-up"), id, DnsNames: ["localhost"], IpAddresses: s_edgeAddresses), cancellationToken);
        IssuedFiles.Write(Path.GetDirectoryName(leaf.Files.Certificate)!, issued, keyPem);
        return true;
    }

    private static EdgeFiles FilesIn(CaLayout layout, string name)
    {
        string directory = Path.Combine(layout.DataDirectory, name);
        return new EdgeFiles(Path.Combine(directory, IssuedFiles.CertificateFile), Path.Combine(directory, IssuedFiles.KeyFile));
    }

    private static bool IsCurrent(EdgeFiles files, CaState state)
    {
        if (!File.Exists(files.Certificate) || !File.Exists(files.Key) || state.Active is null)
        {
            return false;
        }

        try
        {
            // The leaf is the first certificate of cert.pem (CreateFromPemFile would want the key in it too).
            using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(PemText.DecodeFirst(File.ReadAllText(files.Certificate), "CERTIFICATE"));
            DateTime notBefore = leaf.NotBefore.ToUniversalTime();
            DateTime notAfter = leaf.NotAfter.ToUniversalTime();
            DateTime halfLife = notBefore + (notAfter - notBefore) / 2;
            bool fromActive = leaf.Issuer == new X500DistinguishedName(state.Active.Intermediate.Structure.Subject.GetDerEncoded()).Name;
            return DateTime.UtcNow < halfLife && fromActive;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or IOException)
        {
            return false; // unreadable: issue a new one
        }
    }
}
