using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// Reads the SPIFFE ID of an X.509-SVID: its one URI SAN (X509-SVID §2). .NET's
/// <see cref="X509SubjectAlternativeNameExtension"/> enumerates DNS names and IP addresses only,
/// so the GeneralNames are read here (RFC 5280 §4.2.1.6, uniformResourceIdentifier [6] IA5String).
/// </summary>
internal static class CertificateSpiffeId
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private static readonly Asn1Tag s_uriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The certificate's SPIFFE ID, or null with the reason when it has none or more than one URI SAN.</summary>
    public static SpiffeId? Read(X509Certificate2 certificate, out string? error)
    {
        error = null;
        X509Extension? san = certificate.Extensions[SubjectAltNameOid];
        if (san is null)
        {
            error = "it has no subjectAltName";
            return null;
        }

        var uris = new List<string>();
        try
        {
            var reader = new AsnReader(san.RawData, AsnEncodingRules.DER);
            AsnReader names = reader.ReadSequence();
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(s_uriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, s_uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            error = "its subjectAltName cannot be read";
            return null;
        }

        if (uris.Count != 1)
        {
            error = $"it has {uris.Count} URI SANs; an X.509-SVID has exactly one";
            return null;
        }

        if (!SpiffeId.TryParse(uris[0], out SpiffeId? id, out string? parseError))
        {
            error = parseError;
            return null;
        }

        return id;
    }
}
