using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using TlsGateway.Crypto.ShangMi;
using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>
/// A new workload key and a CSR for it (empty subject; the SPIFFE ID and any DNS names as
/// SANs): what `cert issue` makes when the requester brings no CSR, and what the SDS agent makes
/// for every identity it keeps fresh. The key leaves as PKCS#8 PEM only, for its holder.
/// </summary>
/// <remarks>
/// An SM2 key's CSR is signed SM2-with-SM3 under the default ID and its PEM is the PKCS#8 that
/// <c>openssl genpkey -algorithm SM2</c> writes. Whatever the key, the certificate is signed with
/// the CA's own algorithm: an SM2 key sent to an ECDSA CA gets an ECDSA-signed certificate (legal
/// X.509, but not a chain an RFC 8998 peer accepts; docs/ca.md, "Mixed key types").
/// </remarks>
public static class WorkloadKey
{
    public const string Sm2 = "sm2";

    /// <summary>Key types accepted here (hardware keys bring their own CSR).</summary>
    public static readonly string[] Types = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", Sm2];

    public static bool IsKnown(string keyType) => Types.Contains(keyType, StringComparer.Ordinal);

    public static (byte[] Csr, string KeyPem) NewKeyAndCsr(string keyType, SpiffeId id, IReadOnlyList<string> dnsNames)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(id.ToString()));
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        var subject = new X500DistinguishedName("");
        if (keyType == Sm2)
        {
            using Sm2Key sm2 = Sm2Key.Generate();
            var generator = new Sm2SignatureGenerator(sm2);
            var sm2Request = new CertificateRequest(subject, generator.PublicKey, Sm2SignatureGenerator.Sm3);
            sm2Request.CertificateExtensions.Add(san.Build());
            return (sm2Request.CreateSigningRequest(generator), sm2.ExportPkcs8PrivateKeyPem());
        }

        using AsymmetricAlgorithm key = keyType switch
        {
            "ecdsa-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ecdsa-p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            "rsa-2048" => RSA.Create(2048),
            "rsa-3072" => RSA.Create(3072),
            _ => throw new FormatException($"key type '{keyType}' is not one of {string.Join(", ", Types)} (for other keys bring a CSR)"),
        };
        CertificateRequest request = key is ECDsa ec
            ? new CertificateRequest(subject, ec, keyType == "ecdsa-p384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256)
            : new CertificateRequest(subject, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(san.Build());
        return (request.CreateSigningRequest(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The key type of a SubjectPublicKeyInfo (DER), as <see cref="Types"/> names it: what a renewal asks for again.</summary>
    /// <exception cref="FormatException">A key none of <see cref="Types"/> describes.</exception>
    public static string TypeOf(byte[] subjectPublicKeyInfo)
    {
        SubjectPublicKeyInfo info = SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo);
        DerObjectIdentifier algorithm = info.AlgorithmID.Algorithm;
        if (algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption))
        {
            return RsaPublicKeyStructure.GetInstance(info.ParsePublicKey()).Modulus.BitLength >= 3072 ? "rsa-3072" : "rsa-2048";
        }

        // OpenSSL 3.0 writes SM2 keys as id-ecPublicKey on sm2p256v1 (some tools put the curve's OID in the algorithm).
        Asn1Encodable? curve = info.AlgorithmID.Parameters;
        if (algorithm.Equals(GMObjectIdentifiers.sm2p256v1) || GMObjectIdentifiers.sm2p256v1.Equals(curve))
        {
            return Sm2;
        }

        if (algorithm.Equals(X9ObjectIdentifiers.IdECPublicKey) && (SecObjectIdentifiers.SecP256r1.Equals(curve) || SecObjectIdentifiers.SecP384r1.Equals(curve)))
        {
            return SecObjectIdentifiers.SecP256r1.Equals(curve) ? "ecdsa-p256" : "ecdsa-p384";
        }

        throw new FormatException($"a {algorithm.Id} key{(curve is null ? "" : $" on curve {curve}")} is not one of {string.Join(", ", Types)}");
    }
}
