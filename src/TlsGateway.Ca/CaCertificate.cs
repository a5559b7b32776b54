using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace TlsGateway.Ca;

/// <summary>A parsed CA certificate with the fields issuance needs ready to hand.</summary>
public sealed class CaCertificate
{
    private byte[]? _subjectDer;

    public CaCertificate(byte[] der)
    {
        Der = der;
        try
        {
            Certificate = new X509CertificateParser().ReadCertificate(der)
                ?? throw new FormatException("not a valid X.509 certificate (no certificate in the input)");
            Structure = X509CertificateStructure.GetInstance(der);
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.Certificates.CertificateException or IOException or ArgumentException
            or InvalidCastException or InvalidOperationException)
        {
            // Certificates come from files operators hand us (cacerts, inspect): say what is wrong
            // with the input instead of failing with a parser's stack trace.
            throw new FormatException($"not a valid X.509 certificate ({e.Message})", e);
        }

        Subject = Structure.Subject;
        // RFC 5280 §4.2.1.1: the authority key identifier of what this certificate signs is
        // copied from its own subject key identifier; an imported intermediate may have computed
        // it another way (truncated SHA-256, a serial, …). Method (1) only when it has none.
        X509Extension? ski = Structure.TbsCertificate.Extensions?.GetExtension(X509Extensions.SubjectKeyIdentifier);
        KeyIdentifier = ski is not null
            ? SubjectKeyIdentifier.GetInstance(ski.GetParsedValue()).GetKeyIdentifier()
            : CertificateTemplates.KeyIdentifier(Structure.SubjectPublicKeyInfo).GetKeyIdentifier();
        NotBefore = new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        NotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(der));
    }

    public byte[] Der { get; }

    public X509Certificate Certificate { get; }

    public X509CertificateStructure Structure { get; }

    public X509Name Subject { get; }

    /// <summary><see cref="Subject"/> as DER, exactly as in the certificate (the issuer name of what it signs, RFC 5280 §4.1.2.4).</summary>
    public byte[] SubjectDer => _subjectDer ??= RawSubject(Der);

    /// <summary>This certificate's subject key identifier (from its extension, else RFC 5280 §4.2.1.2 method 1).</summary>
    public byte[] KeyIdentifier { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    public string Fingerprint { get; }

    // Cut from the certificate rather than re-encoded: an imported intermediate's name may use
    // string types a re-encoder would change, and verifiers compare issuer and subject names.
    private static byte[] RawSubject(byte[] der)
    {
        var certificate = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.BER).ReadSequence();
        var tbs = certificate.ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0)))
        {
            tbs.ReadEncodedValue(); // version
        }

        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature
        tbs.ReadEncodedValue(); // issuer
        tbs.ReadEncodedValue(); // validity
        return tbs.ReadEncodedValue().ToArray();
    }

    public string ToPem() => PemText.Encode("CERTIFICATE", Der);

    public static CaCertificate FromPem(string pem) => new(PemText.DecodeFirst(pem, "CERTIFICATE"));
}
