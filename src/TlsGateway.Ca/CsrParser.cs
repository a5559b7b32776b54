using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using TlsGateway.Interop;

namespace TlsGateway.Ca;

/// <summary>
/// Reads and checks a PKCS#10 certificate request (RFC 2986): size, encoding, self-signature,
/// key strength and the extensions it asks for. Identity and DNS policy are the issuer's job;
/// this class only says what the request contains, or why it is unacceptable.
/// EC and SM2 signatures are verified by OpenSSL through the shim, RSA by the platform's
/// OpenSSL-backed RSA (BouncyCastle's managed verifiers are several times slower).
/// </summary>
public static class CsrParser
{
    public const int MaxCsrBytes = 64 * 1024;

    // Extensions a CSR may request. Any value asked for in them is replaced by the CA's own
    // template except subjectAltName, which is checked against policy; anything else is refused.
    private static readonly HashSet<string> s_allowedExtensions =
    [
        X509Extensions.SubjectAlternativeName.Id,
        X509Extensions.BasicConstraints.Id,
        X509Extensions.KeyUsage.Id,
        X509Extensions.ExtendedKeyUsage.Id,
        X509Extensions.SubjectKeyIdentifier.Id,
    ];

    public static CsrContents Parse(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxCsrBytes)
        {
            throw Deny(DenialReason.Oversized, $"the CSR is {input.Length} bytes; the limit is {MaxCsrBytes}");
        }

        byte[] der = ToDer(input);
        CertificationRequest request;
        try
        {
            using var stream = new Asn1InputStream(der);
            Asn1Object top = stream.ReadObject() ?? throw new FormatException("empty");
            if (stream.ReadObject() is not null)
            {
                throw new FormatException("trailing data after the request");
            }

            request = CertificationRequest.GetInstance(top);
            _ = request.GetCertificationRequestInfo().Subject;
        }
        catch (Exception e) when (IsParseError(e))
        {
            throw Deny(DenialReason.Malformed, $"the CSR is not a valid PKCS#10 request ({e.Message})");
        }

        CertificationRequestInfo info = request.GetCertificationRequestInfo();
        SubjectPublicKeyInfo key = info.SubjectPublicKeyInfo;
        bool isRsa = CheckKey(key);
        try
        {
            VerifySignature(request, SignedBytes(der), key);
        }
        catch (Exception e) when (IsParseError(e))
        {
            // e.g. a signature or key BIT STRING with unused bits (BouncyCastle: "non-octet aligned").
            throw Deny(DenialReason.Malformed, $"the CSR's signature or public key is malformed ({e.Message})");
        }
        try
        {
            (List<string> uris, List<string> dns) = ReadRequestedNames(info);
            return new CsrContents(key, isRsa, uris, dns);
        }
        catch (Exception e) when (IsParseError(e))
        {
            throw Deny(DenialReason.Malformed, $"the CSR's requested extensions are malformed ({e.Message})");
        }
    }

    private static byte[] ToDer(ReadOnlySpan<byte> input)
    {
        if (input.Length > 0 && input[0] == 0x30)
        {
            return input.ToArray();
        }

        string text = Encoding.ASCII.GetString(input);
        foreach (string label in new[] { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" })
        {
            List<byte[]> blocks;
            try
            {
                blocks = PemText.DecodeAll(text, label);
            }
            catch (FormatException)
            {
                throw Deny(DenialReason.Malformed, "the CSR's PEM block has invalid base64");
            }

            if (blocks.Count == 1)
            {
                return blocks[0];
            }

            if (blocks.Count > 1)
            {
                throw Deny(DenialReason.Malformed, "the input holds more than one CSR");
            }
        }

        throw Deny(DenialReason.Malformed, "the input is neither DER nor a PEM 'CERTIFICATE REQUEST' block");
    }

    /// <summary>Returns whether the key is RSA; refuses weak or unknown keys.</summary>
    private static bool CheckKey(SubjectPublicKeyInfo key)
    {
        DerObjectIdentifier algorithm = key.AlgorithmID.Algorithm;
        if (algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption))
        {
            int bits;
            try
            {
                bits = RsaPublicKeyStructure.GetInstance(key.ParsePublicKey()).Modulus.BitLength;
            }
            catch (Exception e) when (IsParseError(e))
            {
                throw Deny(DenialReason.Malformed, "the CSR's RSA public key is malformed");
            }

            return bits >= 2048 ? true : throw Deny(DenialReason.WeakKey, $"RSA keys must be at least 2048 bits (this one: {bits})");
        }

        if (algorithm.Equals(X9ObjectIdentifiers.IdECPublicKey))
        {
            Asn1Encodable? parameters = key.AlgorithmID.Parameters;
            if (parameters is DerObjectIdentifier curve
                && (curve.Equals(SecObjectIdentifiers.SecP256r1) || curve.Equals(SecObjectIdentifiers.SecP384r1)
                    || curve.Equals(SecObjectIdentifiers.SecP521r1) || curve.Equals(GMObjectIdentifiers.sm2p256v1)))
            {
                return false;
            }

            throw Deny(DenialReason.WeakKey, "EC keys must use P-256, P-384, P-521 or SM2 named curves");
        }

        throw Deny(DenialReason.UnsupportedAlgorithm, $"key algorithm {algorithm.Id} is not accepted (use ECDSA, RSA or SM2)");
    }

    /// <summary>
    /// The CertificationRequestInfo exactly as the requester signed it (RFC 2986 §4.2), cut from
    /// the input rather than re-encoded, so a valid signature over a non-canonical encoding still
    /// verifies and the CA does not pay for a second encoding.
    /// </summary>
    private static byte[] SignedBytes(byte[] der)
    {
        try
        {
            var outer = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.BER).ReadSequence();
            return outer.ReadEncodedValue().ToArray();
        }
        catch (System.Formats.Asn1.AsnContentException e)
        {
            throw Deny(DenialReason.Malformed, $"the CSR is not a valid PKCS#10 request ({e.Message})");
        }
    }

    private static void VerifySignature(CertificationRequest request, byte[] signed, SubjectPublicKeyInfo key)
    {
        byte[] signature = request.Signature.GetOctets();
        string algorithm = request.SignatureAlgorithm.Algorithm.Id;
        byte[] spki = key.GetDerEncoded();
        bool valid;
        try
        {
            valid = algorithm switch
            {
                "1.2.840.10045.4.3.2" => VerifyEc(key, signed, signature, "SHA256"),
                "1.2.840.10045.4.3.3" => VerifyEc(key, signed, signature, "SHA384"),
                "1.2.840.10045.4.3.4" => VerifyEc(key, signed, signature, "SHA512"),
                "1.2.840.113549.1.1.11" => VerifyRsa(spki, signed, signature, HashAlgorithmName.SHA256),
                "1.2.840.113549.1.1.12" => VerifyRsa(spki, signed, signature, HashAlgorithmName.SHA384),
                "1.2.840.113549.1.1.13" => VerifyRsa(spki, signed, signature, HashAlgorithmName.SHA512),
                "1.2.156.10197.1.501" => VerifyEc(key, signed, signature, "SM3"),
                _ => throw Deny(DenialReason.UnsupportedAlgorithm, $"CSR signature algorithm {algorithm} is not accepted"),
            };
        }
        catch (CryptographicException)
        {
            valid = false;
        }

        if (!valid)
        {
            throw Deny(DenialReason.BadSignature, "the CSR's signature does not verify with the key it contains");
        }
    }

    private static bool VerifyEc(SubjectPublicKeyInfo key, byte[] data, byte[] signature, string digest)
    {
        // Through the shim with the curve name and point: importing a DER key into OpenSSL 3.0
        // (what .NET's ImportSubjectPublicKeyInfo does) costs more than the check itself.
        string curve = ((DerObjectIdentifier)key.AlgorithmID.Parameters).Id switch
        {
            "1.2.840.10045.3.1.7" => "P-256",
            "1.3.132.0.34" => "P-384",
            "1.3.132.0.35" => "P-521",
            "1.2.156.10197.1.301" => "SM2",
            _ => throw new CryptographicException("unsupported curve"),
        };
        // SM2-with-SM3 goes with SM2 keys only, and ECDSA with the NIST curves only.
        if (curve == "SM2" != (digest == "SM3"))
        {
            throw Deny(DenialReason.UnsupportedAlgorithm, $"the CSR's signature algorithm does not match its {curve} key");
        }

        try
        {
            // SM2 signatures mix in the signer's ID: CSRs use the standard default (GB/T 35276).
            return NativeSigning.VerifyEc(curve, key.PublicKeyData.GetOctets(), digest, data, signature,
                curve == "SM2" ? NativeSigning.Sm2DefaultId : default);
        }
        catch (OpenSslException)
        {
            throw Deny(DenialReason.Malformed, "the CSR's public key is not a valid point on its curve");
        }
    }

    private static bool VerifyRsa(byte[] spki, byte[] data, byte[] signature, HashAlgorithmName hash)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(spki, out _);
        return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
    }

    private static (List<string> Uris, List<string> Dns) ReadRequestedNames(CertificationRequestInfo info)
    {
        var uris = new List<string>();
        var dns = new List<string>();
        if (info.Attributes is null)
        {
            return (uris, dns);
        }

        foreach (Asn1Encodable item in info.Attributes)
        {
            AttributePkcs attribute = AttributePkcs.GetInstance(item);
            if (!attribute.AttrType.Equals(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest))
            {
                continue; // challengePassword and friends mean nothing to this CA
            }

            foreach (Asn1Encodable value in attribute.AttrValues)
            {
                X509Extensions extensions = X509Extensions.GetInstance(value);
                foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
                {
                    if (!s_allowedExtensions.Contains(oid.Id))
                    {
                        throw Deny(DenialReason.ExtensionNotAllowed, $"the CSR requests extension {oid.Id}, which this CA does not grant");
                    }

                    X509Extension extension = extensions.GetExtension(oid);
                    if (oid.Equals(X509Extensions.BasicConstraints) && BasicConstraints.GetInstance(extension.GetParsedValue()).IsCA())
                    {
                        throw Deny(DenialReason.CaRequested, "the CSR asks for CA:TRUE; workload certificates are never CAs");
                    }

                    if (oid.Equals(X509Extensions.SubjectAlternativeName))
                    {
                        ReadNames(GeneralNames.GetInstance(extension.GetParsedValue()), uris, dns);
                    }
                }
            }
        }

        return (uris, dns);
    }

    private static void ReadNames(GeneralNames names, List<string> uris, List<string> dns)
    {
        foreach (GeneralName name in names.GetNames())
        {
            switch (name.TagNo)
            {
                case GeneralName.UniformResourceIdentifier:
                    uris.Add(DerIA5String.GetInstance(name.Name).GetString());
                    break;
                case GeneralName.DnsName:
                    dns.Add(DerIA5String.GetInstance(name.Name).GetString());
                    break;
                default:
                    throw Deny(DenialReason.ExtensionNotAllowed, "the CSR requests a subjectAltName other than a URI or DNS name");
            }
        }
    }

    // What BouncyCastle throws for bad ASN.1 varies with where the structure breaks.
    private static bool IsParseError(Exception e) =>
        e is IOException or ArgumentException or FormatException or InvalidCastException or InvalidOperationException or IndexOutOfRangeException;

    private static IssuanceDeniedException Deny(DenialReason reason, string message) => new(reason, message);
}
