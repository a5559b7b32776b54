using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Identity;

namespace TlsGateway.Host;

/// <summary>
/// The three files an issued identity is handed out as — DIR/cert.pem (leaf then
/// intermediates), DIR/key.pem (mode 0600) and DIR/bundle.pem (trusted roots) — and the key
/// pair plus CSR `cert issue` makes when the requester brings no CSR of its own.
/// </summary>
internal static class IssuedFiles
{
    public const string CertificateFile = "cert.pem";
    public const string KeyFile = "key.pem";
    public const string BundleFile = "bundle.pem";

    /// <summary>Leaf key types `cert issue --key-type` accepts.</summary>
    public static string[] KeyTypes => WorkloadKey.Types;

    /// <summary>A new key and a CSR for it; see <see cref="WorkloadKey"/>.</summary>
    public static (byte[] Csr, string KeyPem) NewKeyAndCsr(string keyType, SpiffeId id, IReadOnlyList<string> dnsNames)
    {
        try
        {
            return WorkloadKey.NewKeyAndCsr(keyType, id, dnsNames);
        }
        catch (FormatException e)
        {
            throw new FormatException($"--key-type: {e.Message}", e);
        }
    }

    /// <summary>Writes key.pem (if given) first, then cert.pem and bundle.pem, each atomically.</summary>
    public static void Write(string directory, IssuedIdentity identity, string? keyPem)
    {
        Directory.CreateDirectory(directory);
        if (keyPem is not null)
        {
            AtomicFile.Write(Path.Combine(directory, KeyFile), keyPem, AtomicFile.PrivateMode);
        }

        AtomicFile.Write(Path.Combine(directory, CertificateFile), identity.CertificateChainPem, AtomicFile.PublicMode);
        AtomicFile.Write(Path.Combine(directory, BundleFile), identity.BundlePem, AtomicFile.PublicMode);
    }

    /// <summary>What `cert renew` needs from an existing cert.pem: its SPIFFE ID, DNS names and key type.</summary>
    public static (SpiffeId Id, List<string> DnsNames, string KeyType) Describe(string certificatePath)
    {
        // BouncyCastle, not .NET: .NET's SAN extension type enumerates DNS names and IPs only.
        CaCertificate parsed = CaCertificate.FromPem(File.ReadAllText(certificatePath));
        List<(int Type, string Value)> names = (parsed.Certificate.GetSubjectAlternativeNames() ?? (System.Collections.ICollection)Array.Empty<object>())
            .Cast<System.Collections.IList>().Select(n => (Convert.ToInt32(n[0], System.Globalization.CultureInfo.InvariantCulture), n[1]?.ToString() ?? "")).ToList();
        List<string> uris = names.Where(n => n.Type == Org.BouncyCastle.Asn1.X509.GeneralName.UniformResourceIdentifier).Select(n => n.Value).ToList();
        if (uris.Count != 1 || !SpiffeId.TryParse(uris[0], out SpiffeId? id, out _))
        {
            throw new FormatException($"{certificatePath} holds no single SPIFFE ID URI SAN");
        }

        List<string> dns = names.Where(n => n.Type == Org.BouncyCastle.Asn1.X509.GeneralName.DnsName).Select(n => n.Value).ToList();
        // From the SubjectPublicKeyInfo: .NET cannot open an SM2 key.
        string keyType = WorkloadKey.TypeOf(parsed.Structure.SubjectPublicKeyInfo.GetDerEncoded());
        return (id, dns, keyType);
    }
}
