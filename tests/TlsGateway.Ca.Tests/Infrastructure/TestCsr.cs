using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>PKCS#10 requests made the way a workload makes them: by .NET's own CertificateRequest.</summary>
public static class TestCsr
{
    /// <summary>"ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072", "rsa-1024".</summary>
    public static AsymmetricAlgorithm NewKey(string kind) => kind switch
    {
        "ec-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        "ec-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        "ec-p521" => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        "rsa-1024" => RSA.Create(1024),
        "rsa-2048" => RSA.Create(2048),
        "rsa-3072" => RSA.Create(3072),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown test key kind"),
    };

    /// <summary>DER CSR for <paramref name="key"/> with the given URI and DNS SANs and any extra extensions.</summary>
    public static byte[] Create(AsymmetricAlgorithm key, string? uri = null, IEnumerable<string>? dnsNames = null,
        IEnumerable<X509Extension>? extensions = null)
    {
        var subject = new X500DistinguishedName("CN=workload");
        CertificateRequest request = key switch
        {
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"unsupported key {key.GetType().Name}", nameof(key)),
        };

        var names = new SubjectAlternativeNameBuilder();
        bool anyName = false;
        if (uri is not null)
        {
            names.AddUri(new Uri(uri));
            anyName = true;
        }

        foreach (string dns in dnsNames ?? [])
        {
            names.AddDnsName(dns);
            anyName = true;
        }

        if (anyName)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        foreach (X509Extension extension in extensions ?? [])
        {
            request.CertificateExtensions.Add(extension);
        }

        return request.CreateSigningRequest();
    }

    /// <summary>A CSR for a fresh key of <paramref name="kind"/>; the key is thrown away.</summary>
    public static byte[] Create(string kind, string? uri = null, IEnumerable<string>? dnsNames = null)
    {
        using AsymmetricAlgorithm key = NewKey(kind);
        return Create(key, uri, dnsNames);
    }

    public static byte[] ToPem(byte[] der) => Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", der) + "\n");
}
