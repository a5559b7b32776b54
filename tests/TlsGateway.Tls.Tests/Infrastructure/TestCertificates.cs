using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>
/// Builds X.509 certificates in memory with <see cref="CertificateRequest"/>: an ECDSA P-256 root
/// and leaves it signs. Every certificate carries its private key.
/// </summary>
public static class TestCertificates
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <param name="notBefore">Defaults to an hour ago; set it earlier to issue leaves that have already expired.</param>
    public static X509Certificate2 CreateRoot(string commonName, DateTimeOffset? notBefore = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(notBefore ?? now.AddHours(-1), now.AddDays(30));
    }

    /// <summary>
    /// An intermediate CA signed by <paramref name="issuer"/>, valid until <paramref name="notAfter"/>
    /// (a day by default), with a new key or <paramref name="key"/> (two certificates for one CA).
    /// </summary>
    public static X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string commonName, DateTimeOffset? notAfter = null, ECDsa? key = null)
    {
        using ECDsa? created = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        key ??= created!;
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 signed = request.Create(issuer, now.AddHours(-1), notAfter ?? now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A server leaf (serverAuth) for <paramref name="dnsNames"/>, signed by <paramref name="issuer"/>.</summary>
    public static X509Certificate2 CreateServerLeaf(X509Certificate2 issuer, params string[] dnsNames)
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            names.AddDnsName(name);
        }

        return CreateLeaf(issuer, $"CN={dnsNames[0]}", names, s_serverAuth);
    }

    /// <summary>A client leaf (clientAuth) whose only URI SAN is <paramref name="spiffeId"/> (an X.509-SVID).</summary>
    public static X509Certificate2 CreateClientLeaf(X509Certificate2 issuer, string spiffeId)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(spiffeId));
        return CreateLeaf(issuer, "CN=test client", names, s_clientAuth);
    }

    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string subject, SubjectAlternativeNameBuilder? names, Oid usage,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 signed = request.Create(issuer, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed certificate with only the given SAN extension (or none): for reading identities, not for TLS.</summary>
    public static X509Certificate2 CreateSelfSigned(string subject, SubjectAlternativeNameBuilder? names)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (names is not null)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using ECDsa key = certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException($"certificate '{certificate.Subject}' has no ECDSA private key");
        return key.ExportPkcs8PrivateKeyPem();
    }
}
