using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Identity;

namespace TlsGateway.Host;

/// <summary>
/// What `tlsgw up` needs from the CA: a CA in DIR (created on first run with a generated
/// passphrase, like `ca init` with defaults) and the edge's own certificate for localhost in
/// DIR/edge, issued by that CA and renewed once half its lifetime has passed or when it was
/// signed by a generation that no longer issues.
/// </summary>
internal static class LocalIdentity
{
    public const string DefaultTrustDomain = "tlsgw.local";

    public sealed record EdgeFiles(string Certificate, string Key);

    public static async Task<CaContext> EnsureCaAsync(CaLayout layout, string trustDomain, CancellationToken cancellationToken)
    {
        if (!File.Exists(layout.Settings))
        {
            await CaInitialization.RunAsync(layout,
                new CaInitialization.Request(new CaSettings(trustDomain, CaKeyType.EcdsaP256.Name), CaKeyType.EcdsaP256, Passphrase: null),
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

    public static EdgeFiles PathsFor(CaLayout layout)
    {
        string directory = Path.Combine(layout.DataDirectory, "edge");
        return new EdgeFiles(Path.Combine(directory, IssuedFiles.CertificateFile), Path.Combine(directory, IssuedFiles.KeyFile));
    }

    /// <summary>Issues the edge certificate when it is missing, past half its life, or not from the active generation. Returns whether it did.</summary>
    public static async Task<bool> EnsureEdgeCertificateAsync(CaContext ca, CancellationToken cancellationToken)
    {
        EdgeFiles files = PathsFor(ca.Layout);
        if (IsCurrent(files, ca.Authority.State))
        {
            return false;
        }

        SpiffeId id = SpiffeId.ForWorkload(ca.Settings.TrustDomain, "default", "edge");
        (byte[] csr, string keyPem) = IssuedFiles.NewKeyAndCsr("ecdsa-p256", id, []);
        IssuedIdentity issued = await ca.Authority.IssueAsync(
            new IssuanceRequest(csr, CaCaller.ForOperator("tlsgw-up"), id, DnsNames: ["localhost"]), cancellationToken);
        IssuedFiles.Write(Path.GetDirectoryName(files.Certificate)!, issued, keyPem);
        return true;
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
