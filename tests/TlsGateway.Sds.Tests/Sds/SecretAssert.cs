using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using TlsGateway.Grpc.Envoy.Discovery;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>Reads SDS responses the way a sidecar would.</summary>
internal static class SecretAssert
{
    public static EnvoySecret Secret(DiscoveryResponse response, string name)
    {
        Assert.All(response.Resources, r => Assert.Equal(SecretNames.SecretTypeUrl, r.TypeUrl));
        return Assert.Single(response.Resources.Select(r => r.Unpack<EnvoySecret>()), s => s.Name == name);
    }

    public static EnvoySecret Secret(Any packed) => packed.Unpack<EnvoySecret>();

    /// <summary>The leaf of a TlsCertificate secret, loaded with its private key (which throws if they do not match).</summary>
    public static X509Certificate2 LeafWithKey(EnvoySecret secret)
    {
        Assert.Equal(EnvoySecret.TypeOneofCase.TlsCertificate, secret.TypeCase);
        string chain = secret.TlsCertificate.CertificateChain.InlineBytes.ToStringUtf8();
        string key = secret.TlsCertificate.PrivateKey.InlineBytes.ToStringUtf8();
        return X509Certificate2.CreateFromPem(chain, key);
    }

    public static string UriSan(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        // .NET enumerates DNS names and IPs only; the URI is in the raw extension.
        var reader = new System.Formats.Asn1.AsnReader(san.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var uriTag = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
        while (reader.HasData)
        {
            if (reader.PeekTag() == uriTag)
            {
                return reader.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uriTag);
            }

            reader.ReadEncodedValue();
        }

        throw new Xunit.Sdk.XunitException("the certificate has no URI SAN");
    }

    public static IReadOnlyList<string> DnsSans(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
}
