using System.Formats.Asn1;
using System.Security.Cryptography;
using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>
/// Writes an X.509-SVID's DER directly with <see cref="AsnWriter"/> (RFC 5280 §4.1), for the one
/// certificate shape the CA makes at volume. Building the same structure from BouncyCastle
/// objects cost more than the signature (bench/RESULTS.md, CA section); root and intermediate
/// certificates, made rarely, still go through BouncyCastle in <see cref="CertificateTemplates"/>.
/// </summary>
internal static class SvidEncoder
{
    private const string BasicConstraints = "2.5.29.19";
    private const string KeyUsage = "2.5.29.15";
    private const string ExtendedKeyUsage = "2.5.29.37";
    private const string SubjectAltName = "2.5.29.17";
    private const string SubjectKeyIdentifier = "2.5.29.14";
    private const string AuthorityKeyIdentifier = "2.5.29.35";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>The DER TBSCertificate of a leaf; the caller signs it and wraps it with <see cref="Certificate"/>.</summary>
    public static byte[] ToBeSigned(ReadOnlySpan<byte> serial, ReadOnlySpan<byte> signatureAlgorithm, ReadOnlySpan<byte> issuerName,
        DateTimeOffset notBefore, DateTimeOffset notAfter, ReadOnlySpan<byte> subjectPublicKeyInfo, ReadOnlySpan<byte> subjectPublicKey,
        bool rsaSubjectKey, SpiffeId id, IReadOnlyList<string> dnsNames, IReadOnlyList<System.Net.IPAddress> addresses,
        ReadOnlySpan<byte> authorityKeyIdentifier)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER, 1024);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                writer.WriteInteger(2); // v3
            }

            writer.WriteIntegerUnsigned(serial);
            writer.WriteEncodedValue(signatureAlgorithm);
            writer.WriteEncodedValue(issuerName);
            using (writer.PushSequence())
            {
                WriteTime(writer, notBefore);
                WriteTime(writer, notAfter);
            }

            writer.PushSequence(); // empty subject: the identity is the critical SAN (RFC 5280 §4.2.1.6)
            writer.PopSequence();
            writer.WriteEncodedValue(subjectPublicKeyInfo);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true)))
            using (writer.PushSequence())
            {
                WriteExtension(writer, BasicConstraints, critical: true, static w =>
                {
                    w.PushSequence(); // cA DEFAULT FALSE, so nothing inside
                    w.PopSequence();
                });
                // digitalSignature is bit 0; keyEncipherment bit 2 (RFC 5280 §4.2.1.3).
                WriteExtension(writer, KeyUsage, critical: true, w => w.WriteNamedBitList(
                    rsaSubjectKey ? X509KeyUsageBits.DigitalSignature | X509KeyUsageBits.KeyEncipherment : X509KeyUsageBits.DigitalSignature));
                WriteExtension(writer, ExtendedKeyUsage, critical: false, static w =>
                {
                    using (w.PushSequence())
                    {
                        w.WriteObjectIdentifier(ServerAuth);
                        w.WriteObjectIdentifier(ClientAuth);
                    }
                });
                WriteExtension(writer, SubjectAltName, critical: true, w =>
                {
                    using (w.PushSequence())
                    {
                        w.WriteCharacterString(UniversalTagNumber.IA5String, id.ToString(), new Asn1Tag(TagClass.ContextSpecific, 6));
                        foreach (string name in dnsNames)
                        {
                            w.WriteCharacterString(UniversalTagNumber.IA5String, name, new Asn1Tag(TagClass.ContextSpecific, 2));
                        }

                        foreach (System.Net.IPAddress address in addresses)
                        {
                            // iPAddress [7]: 4 or 16 octets in network order (RFC 5280 §4.2.1.6).
                            w.WriteOctetString(address.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
                        }
                    }
                });
                // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's contents.
                byte[] keyId = SHA1.HashData(subjectPublicKey);
                WriteExtension(writer, SubjectKeyIdentifier, critical: false, w => w.WriteOctetString(keyId));
                byte[] authorityKeyId = authorityKeyIdentifier.ToArray();
                WriteExtension(writer, AuthorityKeyIdentifier, critical: false, w =>
                {
                    using (w.PushSequence())
                    {
                        w.WriteOctetString(authorityKeyId, new Asn1Tag(TagClass.ContextSpecific, 0));
                    }
                });
            }
        }

        return writer.Encode();
    }

    /// <summary>Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }.</summary>
    public static byte[] Certificate(ReadOnlySpan<byte> toBeSigned, ReadOnlySpan<byte> signatureAlgorithm, ReadOnlySpan<byte> signature)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER, toBeSigned.Length + signatureAlgorithm.Length + signature.Length + 16);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(toBeSigned);
            writer.WriteEncodedValue(signatureAlgorithm);
            writer.WriteBitString(signature);
        }

        return writer.Encode();
    }

    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds, Zulu.
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        DateTimeOffset seconds = new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        if (seconds.Year < 2050)
        {
            writer.WriteUtcTime(seconds);
        }
        else
        {
            writer.WriteGeneralizedTime(seconds, omitFractionalSeconds: true);
        }
    }

    private static void WriteExtension(AsnWriter writer, string oid, bool critical, Action<AsnWriter> value)
    {
        var inner = new AsnWriter(AsnEncodingRules.DER, 256);
        value(inner);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            if (critical)
            {
                writer.WriteBoolean(true); // critical BOOLEAN DEFAULT FALSE: written only when true
            }

            writer.WriteOctetString(inner.Encode());
        }
    }

    [Flags]
    private enum X509KeyUsageBits
    {
        DigitalSignature = 1 << 0,
        KeyEncipherment = 1 << 2,
    }
}
