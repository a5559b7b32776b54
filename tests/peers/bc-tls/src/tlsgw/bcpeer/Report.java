package tlsgw.bcpeer;

import java.io.IOException;
import java.util.Locale;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCertificate;

/**
 * The machine-readable lines both programs print on standard output, one event a line, as
 * {@code WORD key=value ...} with no spaces inside values (blanks become '_'):
 *
 * <pre>
 * LISTENING port=41234
 * HANDSHAKE ok role=client connection=1 version=TLSv1.3 suite=0x00c6 group=41 hrr=false resumed=false peer-sigalg=0x0708 peer=O=tlsgw-test,CN=localhost peer-uri=-
 * ECHO ok role=client connection=1 bytes=18
 * TICKETS role=client connection=1 count=1
 * HANDSHAKE failed role=client connection=1 alert=handshake_failure(40) origin=peer error=... [cause=...]
 * </pre>
 */
final class Report
{
    private Report()
    {
    }

    static synchronized void line(String text)
    {
        System.out.println(text);
        System.out.flush();
    }

    static String handshake(String role, int connection, SecurityParameters parameters, int group, boolean helloRetryRequest,
        boolean resumed, int peerSignatureScheme) throws IOException
    {
        StringBuilder line = new StringBuilder("HANDSHAKE ok");
        line.append(" role=").append(role);
        line.append(" connection=").append(connection);
        line.append(" version=").append(parameters.getNegotiatedVersion().getName().replace(" ", ""));
        line.append(" suite=").append(hex(parameters.getCipherSuite()));
        line.append(" group=").append(group < 0 ? "-" : Integer.toString(group));
        line.append(" hrr=").append(helloRetryRequest);
        line.append(" resumed=").append(resumed);
        line.append(" peer-sigalg=").append(peerSignatureScheme < 0 || resumed ? "-" : hex(peerSignatureScheme));
        org.bouncycastle.tls.Certificate peer = parameters.getPeerCertificate();
        Certificate leaf = peer == null || peer.isEmpty() ? null : BcTlsCertificate.parseCertificate(peer.getCertificateAt(0).getEncoded());
        line.append(" peer=").append(leaf == null ? "-" : value(leaf.getSubject().toString()));
        line.append(" peer-uri=").append(leaf == null ? "-" : value(uriSan(leaf)));
        return line.toString();
    }

    static String failure(String what, String role, int connection, Throwable error)
    {
        StringBuilder line = new StringBuilder(what).append(" failed role=").append(role).append(" connection=").append(connection);
        if (error instanceof TlsFatalAlertReceived received)
        {
            line.append(" alert=").append(alert(received.getAlertDescription())).append(" origin=peer");
        }
        else if (error instanceof TlsFatalAlert raised)
        {
            line.append(" alert=").append(alert(raised.getAlertDescription())).append(" origin=local");
        }
        else
        {
            line.append(" alert=- origin=-");
        }

        line.append(" error=").append(value(error.getClass().getSimpleName() + ":" + error.getMessage()));
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause)
        {
            cause = cause.getCause();
        }

        if (cause != error)
        {
            line.append(" cause=").append(value(cause.getClass().getSimpleName() + ":" + cause.getMessage()));
        }

        return line.toString();
    }

    static String hex(int value)
    {
        return String.format(Locale.ROOT, "0x%04x", value);
    }

    private static String alert(short description)
    {
        return AlertDescription.getName(description) + "(" + description + ")";
    }

    private static String uriSan(Certificate certificate)
    {
        if (certificate.getTBSCertificate().getExtensions() == null)
        {
            return "-";
        }

        GeneralNames names = GeneralNames.fromExtensions(certificate.getTBSCertificate().getExtensions(), Extension.subjectAlternativeName);
        if (names != null)
        {
            for (GeneralName name : names.getNames())
            {
                if (name.getTagNo() == GeneralName.uniformResourceIdentifier)
                {
                    ASN1Encodable uri = name.getName();
                    return uri.toString();
                }
            }
        }

        return "-";
    }

    private static String value(String text)
    {
        return text == null || text.isEmpty() ? "-" : text.replaceAll("\\s", "_");
    }
}
