package tlsgw.bcpeer;

import java.io.IOException;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCertificate;

/**
 * Path validation for the peer (BC's low-level API leaves it to the application): each certificate must
 * be within its validity period and signed by the next one, up to a configured trust anchor, and every
 * issuer must be a CA. SM2-with-SM3 signatures are checked with the default distinguishing ID
 * "1234567812345678" (RFC 8998 §3.2.1 changes the ID for CertificateVerify only). Not a goal: name
 * constraints, policies, revocation.
 */
final class ChainValidator
{
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";

    private final List<Certificate> _anchors;

    ChainValidator(List<Certificate> anchors)
    {
        _anchors = anchors;
    }

    void validate(TlsCertificate[] chain) throws IOException
    {
        if (chain.length == 0)
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "empty certificate chain");
        }

        Date now = new Date();
        for (int i = 0; i < chain.length; i++)
        {
            Certificate certificate = BcTlsCertificate.parseCertificate(chain[i].getEncoded());
            checkValidity(certificate, now);
            if (isAnchor(certificate))
            {
                return;
            }

            Certificate issuer = i + 1 < chain.length ? BcTlsCertificate.parseCertificate(chain[i + 1].getEncoded()) : null;
            Certificate anchor = anchorFor(certificate);
            if (anchor != null)
            {
                issuer = anchor;
            }

            if (issuer == null || !issuer.getSubject().equals(certificate.getIssuer()))
            {
                throw new TlsFatalAlert(AlertDescription.unknown_ca, "no issuer for " + certificate.getSubject());
            }

            requireCa(issuer);
            if (!verifySignature(certificate, issuer))
            {
                throw new TlsFatalAlert(AlertDescription.bad_certificate, "bad signature on " + certificate.getSubject());
            }

            if (anchor != null)
            {
                return;
            }
        }

        throw new TlsFatalAlert(AlertDescription.unknown_ca, "chain does not end at a trust anchor");
    }

    private boolean isAnchor(Certificate certificate) throws IOException
    {
        for (Certificate anchor : _anchors)
        {
            if (Arrays.equals(anchor.getEncoded(), certificate.getEncoded()))
            {
                return true;
            }
        }

        return false;
    }

    private Certificate anchorFor(Certificate certificate)
    {
        for (Certificate anchor : _anchors)
        {
            if (anchor.getSubject().equals(certificate.getIssuer()))
            {
                return anchor;
            }
        }

        return null;
    }

    private static void checkValidity(Certificate certificate, Date now) throws TlsFatalAlert
    {
        if (now.before(certificate.getStartDate().getDate()) || now.after(certificate.getEndDate().getDate()))
        {
            throw new TlsFatalAlert(AlertDescription.certificate_expired, "outside validity: " + certificate.getSubject());
        }
    }

    private static void requireCa(Certificate issuer) throws TlsFatalAlert
    {
        Extensions extensions = issuer.getTBSCertificate().getExtensions();
        BasicConstraints constraints = extensions == null ? null : BasicConstraints.fromExtensions(extensions);
        if (constraints == null || !constraints.isCA())
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "issuer is not a CA: " + issuer.getSubject());
        }
    }

    private static boolean verifySignature(Certificate certificate, Certificate issuer) throws IOException
    {
        String algorithm = certificate.getSignatureAlgorithm().getAlgorithm().getId();
        Signer signer = switch (algorithm)
        {
            // No ParametersWithID: SM2Signer then uses the default ID, as certificates do.
            case ShangMi.SM2_WITH_SM3_OID -> new SM2Signer();
            case ECDSA_WITH_SHA256 -> new DSADigestSigner(new ECDSASigner(), new SHA256Digest());
            case ECDSA_WITH_SHA384 -> new DSADigestSigner(new ECDSASigner(), new SHA384Digest());
            default -> throw new TlsFatalAlert(AlertDescription.unsupported_certificate, "signature algorithm " + algorithm);
        };
        CipherParameters key = PublicKeyFactory.createKey(issuer.getSubjectPublicKeyInfo());
        signer.init(false, key);
        byte[] tbs = certificate.getTBSCertificate().getEncoded("DER");
        signer.update(tbs, 0, tbs.length);
        return signer.verifySignature(certificate.getSignature().getOctets());
    }
}
