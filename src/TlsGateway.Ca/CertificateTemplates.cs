using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>
/// The three certificate shapes the CA makes, as pure functions from inputs to a signed DER
/// certificate: a self-signed root, a signing intermediate, and a workload X.509-SVID. The
/// TBSCertificate is built directly (no BouncyCastle key objects), so a CSR's public key goes
/// into the certificate byte for byte.
/// </summary>
public static class CertificateTemplates
{
    public static byte[] Root(CaSigner key, X509Name subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.GetInstance(key.PublicKeyInfo);
        var extensions = new X509ExtensionsGenerator();
        // RFC 5280 §4.2.1.9/§4.2.1.3: a CA certificate has critical basicConstraints and keyUsage.
        extensions.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        extensions.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        extensions.AddExtension(X509Extensions.SubjectKeyIdentifier, false, KeyIdentifier(spki));
        return Sign(key, SerialNumber.New(), subject, subject, spki, notBefore, notAfter, extensions);
    }

    /// <summary>A CA that signs leaves only (pathLenConstraint 0).</summary>
    public static byte[] Intermediate(CaSigner issuerKey, CaCertificate issuer, byte[] subjectPublicKeyInfo, X509Name subject,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo);
        var extensions = new X509ExtensionsGenerator();
        extensions.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        extensions.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        extensions.AddExtension(X509Extensions.SubjectKeyIdentifier, false, KeyIdentifier(spki));
        extensions.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(issuer.KeyIdentifier));
        return Sign(issuerKey, SerialNumber.New(), issuer.Subject, subject, spki, notBefore, notAfter, extensions);
    }

    /// <summary>
    /// An X.509-SVID (SPIFFE X509-SVID.md §4-5): exactly one URI SAN with the SPIFFE ID, CA:FALSE,
    /// critical keyUsage with digitalSignature (plus keyEncipherment for RSA keys, which TLS 1.2
    /// RSA key exchange needs) and never keyCertSign/cRLSign, EKU serverAuth + clientAuth.
    /// The subject is empty, as Istio's are, so the SAN extension is critical (RFC 5280 §4.2.1.6).
    /// </summary>
    public static byte[] Leaf(CaSigner issuerKey, CaCertificate issuer, SubjectPublicKeyInfo subjectKey, bool rsaSubjectKey,
        SpiffeId id, IReadOnlyList<string> dnsNames, IReadOnlyList<System.Net.IPAddress> addresses, BigInteger serial, DateTimeOffset notBefore,
        DateTimeOffset notAfter)
    {
        byte[] toBeSigned = SvidEncoder.ToBeSigned(serial.ToByteArrayUnsigned(), issuerKey.AlgorithmDer, issuer.SubjectDer, notBefore, notAfter,
            subjectKey.GetDerEncoded(), subjectKey.PublicKeyData.GetBytes(), rsaSubjectKey, id, dnsNames, addresses, issuer.KeyIdentifier);
        return SvidEncoder.Certificate(toBeSigned, issuerKey.AlgorithmDer, issuerKey.Sign(toBeSigned));
    }

    /// <summary>RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.</summary>
    public static SubjectKeyIdentifier KeyIdentifier(SubjectPublicKeyInfo spki) =>
        new(SHA1.HashData(spki.PublicKeyData.GetBytes()));

    private static byte[] Sign(CaSigner key, BigInteger serial, X509Name issuer, X509Name subject, SubjectPublicKeyInfo spki,
        DateTimeOffset notBefore, DateTimeOffset notAfter, X509ExtensionsGenerator extensions)
    {
        var tbs = new V3TbsCertificateGenerator();
        tbs.SetSerialNumber(new DerInteger(serial));
        tbs.SetSignature(key.Algorithm);
        tbs.SetIssuer(issuer);
        tbs.SetSubject(subject);
        // Whole seconds: X.509 times carry no fractions (RFC 5280 §4.1.2.5.1).
        tbs.SetStartDate(new Time(Truncate(notBefore)));
        tbs.SetEndDate(new Time(Truncate(notAfter)));
        tbs.SetSubjectPublicKeyInfo(spki);
        tbs.SetExtensions(extensions.Generate());
        TbsCertificateStructure body = tbs.GenerateTbsCertificate();
        byte[] signature = key.Sign(body.GetDerEncoded());
        return new X509CertificateStructure(body, key.Algorithm, new DerBitString(signature)).GetDerEncoded();
    }

    private static DateTime Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
}
