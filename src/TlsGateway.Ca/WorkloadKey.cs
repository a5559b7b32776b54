using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>
/// A new workload key and a CSR for it (empty subject; the SPIFFE ID and any DNS names as
/// SANs): what `cert issue` makes when the requester brings no CSR, and what the SDS agent makes
/// for every identity it keeps fresh. The key leaves as PKCS#8 PEM only, for its holder.
/// </summary>
public static class WorkloadKey
{
    /// <summary>Key types accepted here (SM2 and hardware keys bring their own CSR).</summary>
    public static readonly string[] Types = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072"];

    public static (byte[] Csr, string KeyPem) NewKeyAndCsr(string keyType, SpiffeId id, IReadOnlyList<string> dnsNames)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(id.ToString()));
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        using AsymmetricAlgorithm key = keyType switch
        {
            "ecdsa-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ecdsa-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            "rsa-2048" => RSA.Create(2048),
            "rsa-3072" => RSA.Create(3072),
            _ => throw new FormatException($"key type '{keyType}' is not one of {string.Join(", ", Types)} (for SM2 and other keys bring a CSR)"),
        };
        CertificateRequest request = key is ECDsa ec
            ? new CertificateRequest(new X500DistinguishedName(""), ec, keyType == "ecdsa-p384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256)
            : new CertificateRequest(new X500DistinguishedName(""), (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(san.Build());
        return (request.CreateSigningRequest(), key.ExportPkcs8PrivateKeyPem());
    }
}
