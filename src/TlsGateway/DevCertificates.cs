using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto;

namespace TlsGateway.Host;

/// <summary>
/// The local development hierarchy `tlsgw up` serves with until the CA role lands: a root
/// (written to DIR/bundle.pem so curl --cacert can trust it) and a leaf for localhost signed by it.
/// Reused while valid for another day; regenerated otherwise. Not for production.
/// </summary>
internal static class DevCertificates
{
    public sealed record Paths(string Bundle, string Certificate, string Key);

    public static Paths Ensure(string dataDirectory)
    {
        string edgeDirectory = Path.Combine(dataDirectory, "edge");
        Directory.CreateDirectory(edgeDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var paths = new Paths(
            Path.Combine(dataDirectory, "bundle.pem"),
            Path.Combine(edgeDirectory, "cert.pem"),
            Path.Combine(edgeDirectory, "key.pem"));

        if (StillValid(paths))
        {
            return paths;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=TlsGateway Local Development Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(365));

        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 leaf = leafRequest.Create(root, now.AddMinutes(-5), now.AddDays(30), serial);

        AtomicFile.Write(paths.Key, leafKey.ExportPkcs8PrivateKeyPem(), AtomicFile.PrivateMode);
        AtomicFile.Write(paths.Certificate, leaf.ExportCertificatePem() + "\n", AtomicFile.PublicMode);
        AtomicFile.Write(paths.Bundle, root.ExportCertificatePem() + "\n", AtomicFile.PublicMode);
        return paths;
    }

    private static bool StillValid(Paths paths)
    {
        if (!File.Exists(paths.Bundle) || !File.Exists(paths.Certificate) || !File.Exists(paths.Key))
        {
            return false;
        }

        try
        {
            using X509Certificate2 leaf = X509Certificate2.CreateFromPemFile(paths.Certificate);
            return leaf.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
