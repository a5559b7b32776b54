using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>
/// An independent reading of an issued leaf against the SPIFFE X.509-SVID standard
/// (X509-SVID.md §2 "SPIFFE ID", §4 "Constraints and Usage", §5 "Validation") and the issuance
/// policy in issue 4. It parses with System.Security.Cryptography and System.Formats.Asn1, not
/// with the BouncyCastle code that built the certificate, so both would have to be wrong the same
/// way for a bad certificate to pass. Returns every violation, so a failing test shows them all.
/// </summary>
public static class SvidChecker
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string SubjectAltNameOid = "2.5.29.17";
    private static readonly Asn1Tag s_dnsTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag s_uriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The shape rules: names, constraints, key usage, extended key usage, serial.</summary>
    public static IReadOnlyList<string> Check(X509Certificate2 leaf, string spiffeId)
    {
        var violations = new List<string>();
        if (leaf.Version != 3)
        {
            violations.Add($"version is {leaf.Version}, not 3");
        }

        CheckNames(leaf, spiffeId, violations);
        CheckConstraints(leaf, violations);
        CheckSerial(leaf, violations);
        return violations;
    }

    /// <summary>
    /// The validity rules: notBefore backdated by at most the policy's allowance (never before the
    /// issuer's), notAfter = issuance + min(requested, MaxTtl) but never after the issuer's notAfter.
    /// Times in certificates are whole seconds, hence the one-second slack below.
    /// </summary>
    public static IReadOnlyList<string> CheckValidity(X509Certificate2 leaf, X509Certificate2 issuer, IssuancePolicy policy,
        DateTimeOffset issuedAt, TimeSpan requestedTtl)
    {
        var violations = new List<string>();
        DateTimeOffset notBefore = Utc(leaf.NotBefore);
        DateTimeOffset notAfter = Utc(leaf.NotAfter);
        DateTimeOffset issuerNotBefore = Utc(issuer.NotBefore);
        DateTimeOffset issuerNotAfter = Utc(issuer.NotAfter);
        TimeSpan slack = TimeSpan.FromSeconds(1);

        if (notBefore > issuedAt)
        {
            violations.Add($"notBefore {notBefore:O} is after the moment of issuance {issuedAt:O}");
        }

        if (notBefore < issuedAt - policy.Backdate - slack)
        {
            violations.Add($"notBefore {notBefore:O} is backdated more than {policy.Backdate} before {issuedAt:O}");
        }

        if (notBefore < issuerNotBefore)
        {
            violations.Add($"notBefore {notBefore:O} is before the issuer's notBefore {issuerNotBefore:O}");
        }

        TimeSpan ttl = requestedTtl > policy.MaxTtl ? policy.MaxTtl : requestedTtl;
        DateTimeOffset expected = issuedAt + ttl < issuerNotAfter ? issuedAt + ttl : issuerNotAfter;
        if (notAfter > expected)
        {
            violations.Add($"notAfter {notAfter:O} is later than {expected:O} (ttl {ttl}, issuer notAfter {issuerNotAfter:O})");
        }

        if (notAfter < expected - slack)
        {
            violations.Add($"notAfter {notAfter:O} is earlier than the granted lifetime allows ({expected:O})");
        }

        if (notAfter > issuerNotAfter)
        {
            violations.Add($"notAfter {notAfter:O} outlives the issuer ({issuerNotAfter:O})");
        }

        if (!leaf.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            violations.Add($"issuer name '{leaf.Issuer}' is not the intermediate's subject '{issuer.Subject}'");
        }

        return violations;
    }

    private static void CheckNames(X509Certificate2 leaf, string spiffeId, List<string> violations)
    {
        X509Extension? san = leaf.Extensions[SubjectAltNameOid];
        if (san is null)
        {
            violations.Add("no subjectAltName extension (X509-SVID §2 puts the SPIFFE ID there)");
            return;
        }

        (List<string> uris, _) = ReadSubjectAltNames(san.RawData);
        if (uris.Count != 1)
        {
            violations.Add($"{uris.Count} URI SANs ({string.Join(", ", uris)}); an X.509-SVID has exactly one (X509-SVID §2)");
        }
        else if (uris[0] != spiffeId)
        {
            violations.Add($"the URI SAN is '{uris[0]}', not '{spiffeId}'");
        }

        // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName extension is critical.
        bool emptySubject = leaf.SubjectName.RawData.AsSpan().SequenceEqual(new byte[] { 0x30, 0x00 });
        if (emptySubject && !san.Critical)
        {
            violations.Add("the subject is empty but subjectAltName is not critical (RFC 5280 §4.2.1.6)");
        }
    }

    private static void CheckConstraints(X509Certificate2 leaf, List<string> violations)
    {
        X509BasicConstraintsExtension? basic = leaf.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (basic is null)
        {
            violations.Add("no basicConstraints extension (X509-SVID §4.1 wants cA=false stated)");
        }
        else if (basic.CertificateAuthority)
        {
            violations.Add("basicConstraints says CA:TRUE on a leaf (X509-SVID §4.1)");
        }

        X509KeyUsageExtension? usage = leaf.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is null)
        {
            violations.Add("no keyUsage extension (X509-SVID §4.3: it MUST be present)");
        }
        else
        {
            if (!usage.Critical)
            {
                violations.Add("keyUsage is not critical (X509-SVID §4.3)");
            }

            if (!usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
            {
                violations.Add("keyUsage lacks digitalSignature (X509-SVID §4.3)");
            }

            if (usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign) || usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign))
            {
                violations.Add($"keyUsage of a leaf includes keyCertSign or cRLSign ({usage.KeyUsages}) (X509-SVID §4.3)");
            }

            bool rsa;
            using (System.Security.Cryptography.RSA? rsaKey = leaf.GetRSAPublicKey())
            {
                rsa = rsaKey is not null;
            }

            bool keyEncipherment = usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyEncipherment);
            if (rsa != keyEncipherment)
            {
                violations.Add(rsa
                    ? "an RSA leaf without keyEncipherment (TLS 1.2 RSA key exchange needs it)"
                    : "keyEncipherment on a non-RSA leaf");
            }
        }

        X509EnhancedKeyUsageExtension? eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        string[] purposes = eku is null ? [] : eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value!).ToArray();
        if (!purposes.Contains(ServerAuth) || !purposes.Contains(ClientAuth))
        {
            violations.Add($"extendedKeyUsage is [{string.Join(", ", purposes)}], not serverAuth + clientAuth");
        }
    }

    private static void CheckSerial(X509Certificate2 leaf, List<string> violations)
    {
        ReadOnlySpan<byte> serial = leaf.SerialNumberBytes.Span;
        var value = new BigInteger(serial, isUnsigned: false, isBigEndian: true);
        if (value.Sign <= 0)
        {
            violations.Add($"serial {leaf.SerialNumber} is not positive (RFC 5280 §4.1.2.2)");
        }

        if (serial.Length > 20)
        {
            violations.Add($"serial is {serial.Length} octets; RFC 5280 §4.1.2.2 allows 20");
        }

        if (value.GetBitLength() < 64)
        {
            violations.Add($"serial {leaf.SerialNumber} has {value.GetBitLength()} significant bits; random serials need at least 64");
        }
    }

    /// <summary>URI and DNS entries of a DER GeneralNames (RFC 5280 §4.2.1.6); other kinds are skipped.</summary>
    public static (List<string> Uris, List<string> DnsNames) ReadSubjectAltNames(byte[] extensionValue)
    {
        var uris = new List<string>();
        var dns = new List<string>();
        var reader = new AsnReader(extensionValue, AsnEncodingRules.DER);
        AsnReader names = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        while (names.HasData)
        {
            Asn1Tag tag = names.PeekTag();
            if (tag.HasSameClassAndValue(s_uriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, s_uriTag));
            }
            else if (tag.HasSameClassAndValue(s_dnsTag))
            {
                dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, s_dnsTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return (uris, dns);
    }

    public static DateTimeOffset Utc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
