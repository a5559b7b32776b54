using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls;

/// <summary>
/// Who the peer is, read from the leaf of a chain OpenSSL has already verified: the SPIFFE ID
/// (the URI SAN with scheme spiffe, SPIFFE X.509-SVID section 2), DNS SANs and subject.
/// </summary>
public sealed record PeerIdentity(string? SpiffeId, IReadOnlyList<string> DnsNames, IReadOnlyList<string> Uris, string Subject, DateTimeOffset NotAfter)
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>The trust domain of <see cref="SpiffeId"/> ("example.org" of spiffe://example.org/ns/a), or null.</summary>
    public string? TrustDomain => SpiffeId is null ? null : SpiffeId["spiffe://".Length..].Split('/')[0];

    public static PeerIdentity FromCertificate(X509Certificate2 leaf)
    {
        var dns = new List<string>();
        var uris = new List<string>();
        foreach (X509Extension extension in leaf.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                ReadSubjectAltNames(extension.RawData, dns, uris);
            }
        }

        // An X.509-SVID has exactly one URI SAN; anything else is not a SPIFFE identity.
        string? spiffe = uris.Count == 1 && uris[0].StartsWith("spiffe://", StringComparison.Ordinal) ? uris[0] : null;
        return new PeerIdentity(spiffe, dns, uris, leaf.Subject, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
    }

    // GeneralNames ::= SEQUENCE OF GeneralName; dNSName [2] IA5String, uniformResourceIdentifier [6] IA5String (RFC 5280 section 4.2.1.6).
    private static void ReadSubjectAltNames(byte[] der, List<string> dns, List<string> uris)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader names = reader.ReadSequence();
        while (names.HasData)
        {
            Asn1Tag tag = names.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 2)
            {
                dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 2)));
            }
            else if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
    }
}
