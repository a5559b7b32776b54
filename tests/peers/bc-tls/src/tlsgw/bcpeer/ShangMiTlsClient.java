package tlsgw.bcpeer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Vector;

import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSK;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCertificate;
import org.bouncycastle.util.IPAddress;

/** The TLS 1.3-only client side of the peer, on one suite profile, optionally offering one ticket. */
final class ShangMiTlsClient extends DefaultTlsClient
{
    private final ShangMiCrypto _crypto;
    private final SuiteProfile _profile;
    private final PeerIdentity _identity;
    private final ChainValidator _validator;
    private final String _serverName;
    private final boolean _earlyKeyShare;
    private final SessionTicket _ticket;
    private boolean _resumed;

    ShangMiTlsClient(ShangMiCrypto crypto, SuiteProfile profile, PeerIdentity identity, ChainValidator validator, String serverName,
        boolean earlyKeyShare, SessionTicket ticket)
    {
        super(crypto);
        _crypto = crypto;
        _profile = profile;
        _identity = identity;
        _validator = validator;
        _serverName = serverName;
        _earlyKeyShare = earlyKeyShare;
        _ticket = ticket;
    }

    SecurityParameters connectionParameters()
    {
        return context.getSecurityParametersConnection();
    }

    boolean resumed()
    {
        return _resumed;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions()
    {
        return ProtocolVersion.TLSv13.only();
    }

    @Override
    protected int[] getSupportedCipherSuites()
    {
        return new int[] { _profile.cipherSuite() };
    }

    @Override
    protected Vector getSupportedGroups(Vector namedGroupRoles)
    {
        Vector<Integer> groups = new Vector<>();
        for (int group : _profile.groups())
        {
            groups.add(group);
        }

        return groups;
    }

    /** One key share for the first group (RFC 8998 §3.1: curveSM2), or none, to make the server send HelloRetryRequest. */
    @Override
    public Vector getEarlyKeyShareGroups()
    {
        Vector<Integer> groups = new Vector<>();
        if (_earlyKeyShare)
        {
            groups.add(_profile.groups()[0]);
        }

        return groups;
    }

    @Override
    protected Vector getSupportedSignatureAlgorithms()
    {
        return _profile.signatureAlgorithms();
    }

    @Override
    protected Vector getSNIServerNames()
    {
        // RFC 6066 §3: host names only, never IP literals.
        if (IPAddress.isValid(_serverName))
        {
            return null;
        }

        Vector<ServerName> names = new Vector<>();
        names.add(new ServerName(NameType.host_name, _serverName.getBytes(StandardCharsets.US_ASCII)));
        return names;
    }

    /** The ticket from an earlier connection, offered as a resumption PSK (RFC 8446 §4.2.11; see Bc172Agent). */
    @Override
    public Vector getExternalPSKs()
    {
        if (_ticket == null)
        {
            return null;
        }

        Vector<TlsPSK> psks = new Vector<>();
        psks.add(new TicketPsk(_crypto, _ticket));
        return psks;
    }

    @Override
    public void notifySelectedPSK(TlsPSK selectedPsk) throws IOException
    {
        _resumed = selectedPsk != null;
    }

    @Override
    public TlsAuthentication getAuthentication()
    {
        return new TlsAuthentication()
        {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException
            {
                org.bouncycastle.tls.Certificate chain = serverCertificate.getCertificate();
                _validator.validate(chain.getCertificateList());
                requireServerName(BcTlsCertificate.parseCertificate(chain.getCertificateAt(0).getEncoded()));
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException
            {
                Vector<?> accepted = request.getSupportedSignatureAlgorithms();
                if (_identity == null || accepted == null || !accepted.contains(_profile.signingAlgorithm()))
                {
                    return null;
                }

                // RFC 8446 §4.4.2: the Certificate echoes the request's certificate_request_context.
                org.bouncycastle.tls.Certificate certificate = _identity.toTlsCertificate(_crypto, request.getCertificateRequestContext());
                return _profile.signer(context, _crypto, _identity.key(), certificate);
            }
        };
    }

    /** RFC 6125 in brief: a dNSName or iPAddress SAN of the leaf must equal the name the client asked for. */
    private void requireServerName(Certificate leaf) throws IOException
    {
        GeneralNames names = leaf.getTBSCertificate().getExtensions() == null
            ? null
            : GeneralNames.fromExtensions(leaf.getTBSCertificate().getExtensions(), Extension.subjectAlternativeName);
        if (names != null)
        {
            for (GeneralName name : names.getNames())
            {
                if (name.getTagNo() == GeneralName.dNSName && name.getName().toString().equalsIgnoreCase(_serverName))
                {
                    return;
                }

                if (name.getTagNo() == GeneralName.iPAddress && IPAddress.isValid(_serverName)
                    && java.util.Arrays.equals(
                        org.bouncycastle.asn1.ASN1OctetString.getInstance(name.getName()).getOctets(),
                        InetAddress.getByName(_serverName).getAddress()))
                {
                    return;
                }
            }
        }

        throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate is not for " + _serverName);
    }
}
