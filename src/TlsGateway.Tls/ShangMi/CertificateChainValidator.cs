using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Validates the certificate chain a peer sent (RFC 8446 §4.4.2, leaf first; a client's to the
/// server, a server's to the client) against DER trust anchors, a reduced RFC 5280 §6.1 path validation: every certificate on the path is within its
/// validity (§4.1.2.5), each issuer's name equals the subject's issuer name (raw DER, §4.1.2.4),
/// each issuer is a CA (basicConstraints cA, keyUsage keyCertSign if present; §4.2.1.9, §4.2.1.3),
/// and each signature verifies with the issuer's key: SM2-with-SM3 under the default
/// distinguishing ID (RFC 8998 §3.2.1 keeps it for certificates) or ecdsa-with-SHA256. The path
/// must end at an anchor, either a chain certificate equal to one or one signed by one.
/// </summary>
/// <remarks>
/// Failures throw <see cref="TlsProtocolException"/> with the alert RFC 8446 §6.2 names and the
/// reason in the message: unknown_ca, bad_certificate, certificate_expired, unsupported_certificate.
/// Non-goals: revocation, name constraints, policies, path length constraints, and searching
/// certificates sent out of order (§4.4.2 lets a peer add extras; those after the path are ignored).
/// Anchors are trusted as given (§6.1.1 (d): a name and a key), so their own dates are not checked,
/// but one that signs the path's last certificate must still be a CA like any other issuer.
/// </remarks>
public sealed class CertificateChainValidator
{
    /// <summary>The most certificates a peer's chain may hold: leaf, intermediates and perhaps the root.</summary>
    public const int MaxChainLength = 8;

    /// <summary>sm2-with-SM3 (GM/T 0006, RFC 8998 §3.2).</summary>
    public const string Sm2WithSm3Oid = "1.2.156.10197.1.501";

    /// <summary>ecdsa-with-SHA256 (RFC 5758 §3.2).</summary>
    public const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";

    private readonly List<CertificateFields> _anchors;
    private readonly TimeProvider _clock;

    /// <param name="trustAnchors">DER certificates; one that does not parse is a configuration error.</param>
    /// <param name="clock">The clock validity is checked against; the system clock by default.</param>
    public CertificateChainValidator(IReadOnlyList<byte[]> trustAnchors, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        _clock = clock ?? TimeProvider.System;
        _anchors = new List<CertificateFields>(trustAnchors.Count);
        foreach (byte[] anchor in trustAnchors)
        {
            try
            {
                _anchors.Add(CertificateFields.Parse(anchor));
            }
            catch (AsnContentException e)
            {
                throw new ArgumentException($"a trust anchor does not parse: {e.Message}", nameof(trustAnchors), e);
            }
        }
    }

    /// <summary>Returns when the chain leads to an anchor; throws <see cref="TlsProtocolException"/> otherwise.</summary>
    public void Validate(IReadOnlyList<byte[]> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Count == 0)
        {
            throw new TlsProtocolException(AlertDescription.BadCertificate, "the peer's chain is empty");
        }

        if (chain.Count > MaxChainLength)
        {
            throw new TlsProtocolException(AlertDescription.BadCertificate,
                $"the peer's chain has {chain.Count} certificates, more than {MaxChainLength}");
        }

        DateTimeOffset now = _clock.GetUtcNow();
        for (int i = 0; i < chain.Count; i++)
        {
            if (IsAnchor(chain[i]))
            {
                // The peer sent an anchor itself (often the root): the path ends here.
                return;
            }

            CertificateFields subject = Parse(chain[i], i);
            CheckUsable(subject, i, now);

            CertificateFields? issuer = i + 1 < chain.Count ? Parse(chain[i + 1], i + 1) : null;
            if (issuer is not null && subject.Issuer.Span.SequenceEqual(issuer.Subject.Span))
            {
                CheckIssuer(issuer, i + 1);
                if (!Verifies(subject, issuer, i))
                {
                    throw new TlsProtocolException(AlertDescription.BadCertificate,
                        $"certificate {i}'s signature does not verify with certificate {i + 1}'s key");
                }

                continue;
            }

            // No next certificate issued this one (§4.4.2 allows trailing extras): it has to be an anchor's.
            foreach (CertificateFields anchor in _anchors)
            {
                if (subject.Issuer.Span.SequenceEqual(anchor.Subject.Span) && anchor.IsCertificateAuthority
                    && anchor.MaySignCertificates && Verifies(subject, anchor, i))
                {
                    return;
                }
            }

            throw new TlsProtocolException(AlertDescription.UnknownCa,
                $"certificate {i} is not issued by a trust anchor (no path to any of {_anchors.Count})");
        }

        throw new TlsProtocolException(AlertDescription.UnknownCa, "the peer's chain does not reach a trust anchor");
    }

    private bool IsAnchor(byte[] der)
    {
        foreach (CertificateFields anchor in _anchors)
        {
            if (anchor.Der.AsSpan().SequenceEqual(der))
            {
                return true;
            }
        }

        return false;
    }

    private static CertificateFields Parse(byte[] der, int index)
    {
        try
        {
            return CertificateFields.Parse(der);
        }
        catch (AsnContentException e)
        {
            throw new TlsProtocolException(AlertDescription.BadCertificate, $"certificate {index} does not parse: {e.Message}");
        }
    }

    private static void CheckUsable(CertificateFields certificate, int index, DateTimeOffset now)
    {
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            // §4.1.2.5: the validity period is inclusive at both ends.
            throw new TlsProtocolException(AlertDescription.CertificateExpired,
                $"certificate {index} is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}, not at {now:u}");
        }

        if (certificate.UnknownCriticalExtension is { } oid)
        {
            throw new TlsProtocolException(AlertDescription.UnsupportedCertificate,
                $"certificate {index} has an unrecognised critical extension {oid} (RFC 5280 §4.2)");
        }

        if (certificate.SignatureAlgorithm is not (Sm2WithSm3Oid or EcdsaWithSha256Oid))
        {
            throw new TlsProtocolException(AlertDescription.UnsupportedCertificate,
                $"certificate {index} is signed with the unsupported algorithm {certificate.SignatureAlgorithm}");
        }
    }

    private static void CheckIssuer(CertificateFields issuer, int index)
    {
        if (!issuer.IsCertificateAuthority || !issuer.MaySignCertificates)
        {
            // §4.2.1.9: without cA the key "MUST NOT" verify certificate signatures; §4.2.1.3 keyCertSign.
            throw new TlsProtocolException(AlertDescription.BadCertificate,
                $"certificate {index} issues another but is not a CA (basicConstraints cA / keyUsage keyCertSign)");
        }
    }

    private static bool Verifies(CertificateFields subject, CertificateFields issuer, int index)
    {
        try
        {
            return subject.SignatureAlgorithm switch
            {
                Sm2WithSm3Oid => VerifySm2(subject, issuer),
                EcdsaWithSha256Oid => VerifyEcdsa(subject, issuer),
                _ => throw new TlsProtocolException(AlertDescription.UnsupportedCertificate,
                    $"certificate {index} is signed with the unsupported algorithm {subject.SignatureAlgorithm}"),
            };
        }
        catch (Exception e) when (e is not TlsProtocolException)
        {
            // The issuer's key is not of the signature's kind, or does not load: it did not sign this.
            return false;
        }
    }

    private static bool VerifySm2(CertificateFields subject, CertificateFields issuer)
    {
        using Sm2Key key = Sm2Key.ImportSubjectPublicKeyInfo(issuer.SubjectPublicKeyInfo.Span);
        return key.VerifyData(subject.ToBeSigned.Span, subject.Signature, Sm2DistinguishingId.Default);
    }

    private static bool VerifyEcdsa(CertificateFields subject, CertificateFields issuer)
    {
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(issuer.Der);
        using ECDsa? key = certificate.GetECDsaPublicKey();
        return key is not null
            && key.VerifyData(subject.ToBeSigned.Span, subject.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }
}
