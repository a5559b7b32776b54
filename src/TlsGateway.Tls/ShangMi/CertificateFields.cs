using System.Formats.Asn1;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The parts of one DER X.509 certificate (RFC 5280 §4.1) that chain validation needs: the signed
/// bytes, the outer signature, raw issuer and subject names, validity, the subject key and the CA
/// extensions. Parsing is strict DER; anything that does not parse throws <see cref="AsnContentException"/>.
/// </summary>
internal sealed class CertificateFields
{
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string KeyUsageOid = "2.5.29.15";

    // RFC 5280 §4.2: a certificate with a critical extension that is not recognised MUST be
    // rejected. These are the ones this validator either processes or may safely ignore for a
    // client leaf (the SAN and EKU are policy, read by whoever authorizes the peer).
    private static readonly HashSet<string> s_understood =
    [
        BasicConstraintsOid,
        KeyUsageOid,
        "2.5.29.17", // subjectAltName (§4.2.1.6; critical when the subject is empty)
        "2.5.29.37", // extKeyUsage (§4.2.1.12)
        "2.5.29.14", // subjectKeyIdentifier (§4.2.1.2)
        "2.5.29.35", // authorityKeyIdentifier (§4.2.1.1)
    ];

    private CertificateFields(byte[] der)
    {
        Der = der;
    }

    public byte[] Der { get; }

    /// <summary>The DER tbsCertificate, the bytes the issuer signed (§4.1.1.1).</summary>
    public ReadOnlyMemory<byte> ToBeSigned { get; private set; }

    /// <summary>signatureAlgorithm's OID (§4.1.1.2).</summary>
    public string SignatureAlgorithm { get; private set; } = "";

    /// <summary>signatureValue's bits (§4.1.1.3): for ECDSA and SM2 a DER SEQUENCE of r and s.</summary>
    public byte[] Signature { get; private set; } = [];

    public ReadOnlyMemory<byte> Issuer { get; private set; }

    public ReadOnlyMemory<byte> Subject { get; private set; }

    public ReadOnlyMemory<byte> SubjectPublicKeyInfo { get; private set; }

    public DateTimeOffset NotBefore { get; private set; }

    public DateTimeOffset NotAfter { get; private set; }

    /// <summary>basicConstraints cA (§4.2.1.9); false when the extension is absent.</summary>
    public bool IsCertificateAuthority { get; private set; }

    /// <summary>False only when keyUsage is present without keyCertSign (§4.2.1.3).</summary>
    public bool MaySignCertificates { get; private set; } = true;

    /// <summary>The OID of a critical extension this code does not understand, or null.</summary>
    public string? UnknownCriticalExtension { get; private set; }

    public static CertificateFields Parse(byte[] der)
    {
        var fields = new CertificateFields(der);
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader certificate = reader.ReadSequence();
        reader.ThrowIfNotEmpty();

        fields.ToBeSigned = certificate.PeekEncodedValue();
        AsnReader tbs = certificate.ReadSequence();
        string outerAlgorithm = ReadAlgorithm(certificate);
        fields.Signature = certificate.ReadBitString(out int unusedBits);
        certificate.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new AsnContentException("the signature is not a whole number of bytes");
        }

        Asn1Tag version = new(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.PeekTag().HasSameClassAndValue(version))
        {
            tbs.ReadSequence(version);
        }

        tbs.ReadIntegerBytes();
        string innerAlgorithm = ReadAlgorithm(tbs);
        if (innerAlgorithm != outerAlgorithm)
        {
            // §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the
            // signature field in the sequence tbsCertificate".
            throw new AsnContentException($"the signed algorithm {innerAlgorithm} differs from the outer {outerAlgorithm}");
        }

        fields.SignatureAlgorithm = outerAlgorithm;
        fields.Issuer = tbs.ReadEncodedValue();
        AsnReader validity = tbs.ReadSequence();
        fields.NotBefore = ReadTime(validity);
        fields.NotAfter = ReadTime(validity);
        validity.ThrowIfNotEmpty();
        fields.Subject = tbs.ReadEncodedValue();
        fields.SubjectPublicKeyInfo = tbs.ReadEncodedValue();

        Asn1Tag extensions = new(TagClass.ContextSpecific, 3, isConstructed: true);
        while (tbs.HasData)
        {
            Asn1Tag tag = tbs.PeekTag();
            if (tag.HasSameClassAndValue(extensions))
            {
                fields.ReadExtensions(tbs.ReadSequence(extensions).ReadSequence());
            }
            else
            {
                // issuerUniqueID / subjectUniqueID (§4.1.2.8): carried, never used.
                tbs.ReadEncodedValue();
            }
        }

        return fields;
    }

    private void ReadExtensions(AsnReader extensions)
    {
        while (extensions.HasData)
        {
            AsnReader extension = extensions.ReadSequence();
            string oid = extension.ReadObjectIdentifier();
            bool critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            byte[] value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();

            if (oid == BasicConstraintsOid)
            {
                var constraints = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
                IsCertificateAuthority = constraints.HasData
                    && constraints.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean)
                    && constraints.ReadBoolean();
            }
            else if (oid == KeyUsageOid)
            {
                // §4.2.1.3: keyCertSign is bit 5, the 0x04 bit of the first byte.
                byte[] bits = new AsnReader(value, AsnEncodingRules.DER).ReadBitString(out _);
                MaySignCertificates = bits.Length > 0 && (bits[0] & 0x04) != 0;
            }
            else if (critical && !s_understood.Contains(oid))
            {
                UnknownCriticalExtension ??= oid;
            }
        }
    }

    private static string ReadAlgorithm(AsnReader reader)
    {
        AsnReader algorithm = reader.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            // Parameters: absent for SM2-with-SM3 and ECDSA (RFC 5758 §3.2), NULL from some encoders.
            algorithm.ReadNull();
        }

        algorithm.ThrowIfNotEmpty();
        return oid;
    }

    private static DateTimeOffset ReadTime(AsnReader validity) =>
        // §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
        validity.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime)
            ? validity.ReadUtcTime(twoDigitYearMax: 2049)
            : validity.ReadGeneralizedTime();
}
