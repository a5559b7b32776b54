using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using TlsGateway.Interop;

namespace TlsGateway.Ca;

/// <summary>
/// A key type the CA can hold, with the one signature algorithm it uses for certificates, CRLs
/// and OCSP responses: ECDSA keys hash with the digest matching their curve size (RFC 5480 §4),
/// RSA uses PKCS#1 v1.5 with SHA-256 (what every verifier accepts), SM2 uses SM3 (GB/T 35276).
/// </summary>
public sealed class CaKeyType
{
    public static readonly CaKeyType EcdsaP256 = new("ecdsa-p256", NativeKeyType.EcP256, 0, "SHA256", X9ObjectIdentifiers.ECDsaWithSha256.Id);
    public static readonly CaKeyType EcdsaP384 = new("ecdsa-p384", NativeKeyType.EcP384, 0, "SHA384", X9ObjectIdentifiers.ECDsaWithSha384.Id);
    public static readonly CaKeyType Rsa3072 = new("rsa-3072", NativeKeyType.Rsa, 3072, "SHA256", PkcsObjectIdentifiers.Sha256WithRsaEncryption.Id);
    public static readonly CaKeyType Sm2 = new("sm2", NativeKeyType.Sm2, 0, "SM3", GMObjectIdentifiers.sm2sign_with_sm3.Id);

    public static IReadOnlyList<CaKeyType> All { get; } = [EcdsaP256, EcdsaP384, Rsa3072, Sm2];

    private CaKeyType(string name, NativeKeyType nativeType, int rsaBits, string digestName, string signatureOid)
    {
        Name = name;
        NativeType = nativeType;
        RsaBits = rsaBits;
        DigestName = digestName;
        SignatureOid = signatureOid;
    }

    /// <summary>The name used on the command line and in config ("ecdsa-p256").</summary>
    public string Name { get; }

    public NativeKeyType NativeType { get; }

    public int RsaBits { get; }

    /// <summary>The digest as OpenSSL names it.</summary>
    public string DigestName { get; }

    /// <summary>The signature AlgorithmIdentifier's OID.</summary>
    public string SignatureOid { get; }

    public bool IsRsa => NativeType == NativeKeyType.Rsa;

    public bool IsSm2 => NativeType == NativeKeyType.Sm2;

    public static CaKeyType Parse(string name) =>
        All.FirstOrDefault(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new FormatException($"unknown key type '{name}' (use one of: {string.Join(", ", All.Select(t => t.Name))})");

    /// <summary>The CA key type of an existing key, from OpenSSL's base id and size and, for EC keys, the curve in its SubjectPublicKeyInfo.</summary>
    public static CaKeyType FromKey(SafePrivateKeyHandle key, byte[] subjectPublicKeyInfo)
    {
        (int baseId, int bits) = NativeKeys.GetInfo(key);
        // A 256-bit size says nothing about the curve (secp256k1 and brainpoolP256r1 are 256-bit
        // too); only the named curve decides.
        string? curve = baseId == 408 ? CurveOf(subjectPublicKeyInfo) : null;
        return baseId switch
        {
            // EVP_PKEY_EC, EVP_PKEY_RSA, EVP_PKEY_SM2 (obj_mac.h)
            408 when curve == SecObjectIdentifiers.SecP256r1.Id => EcdsaP256,
            408 when curve == SecObjectIdentifiers.SecP384r1.Id => EcdsaP384,
            6 when bits >= 2048 => Rsa3072.RsaBits == bits ? Rsa3072 : new CaKeyType($"rsa-{bits}", NativeKeyType.Rsa, bits, "SHA256", Rsa3072.SignatureOid),
            1172 => Sm2,
            _ => throw new FormatException($"a CA key must be ECDSA P-256/P-384, RSA ≥ 2048 bits or SM2 (this key: OpenSSL type {baseId}, {bits} bits{(curve is null ? "" : $", curve {curve}")})"),
        };
    }

    private static string? CurveOf(byte[] subjectPublicKeyInfo) =>
        Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo).AlgorithmID.Parameters is Org.BouncyCastle.Asn1.DerObjectIdentifier oid
            ? oid.Id
            : null;

    public override string ToString() => Name;
}
