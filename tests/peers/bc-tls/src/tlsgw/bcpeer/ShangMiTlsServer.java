package tlsgw.bcpeer;

import java.io.IOException;
import java.util.Vector;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsUtils;

/** The TLS 1.3-only server side of the peer, on one suite profile. */
final class ShangMiTlsServer extends DefaultTlsServer
{
    /** Whether the server sends a CertificateRequest (RFC 8446 §4.3.2), and whether an empty answer is fatal. */
    enum ClientAuth
    {
        NONE, REQUEST, REQUIRE;

        static ClientAuth parse(String text)
        {
            return valueOf(text.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private final ShangMiCrypto _crypto;
    private final SuiteProfile _profile;
    private final PeerIdentity _identity;
    private final ChainValidator _validator;
    private final ClientAuth _clientAuth;
    private final TicketIssuer _tickets;
    private boolean _ticketRedeemed;

    ShangMiTlsServer(ShangMiCrypto crypto, SuiteProfile profile, PeerIdentity identity, ChainValidator validator,
        ClientAuth clientAuth, TicketIssuer tickets)
    {
        super(crypto);
        _crypto = crypto;
        _profile = profile;
        _identity = identity;
        _validator = validator;
        _clientAuth = clientAuth;
        _tickets = tickets;
    }

    SecurityParameters connectionParameters()
    {
        return context.getSecurityParametersConnection();
    }

    /** A ticket was accepted, and so no server Certificate was sent (RFC 8446 §2.2). */
    boolean resumed()
    {
        return _ticketRedeemed && connectionParameters().getLocalCertificate() == null;
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
    public int[] getSupportedGroups()
    {
        return _profile.groups();
    }

    @Override
    public TlsCredentials getCredentials() throws IOException
    {
        // RFC 8446 §4.4.3: the server signs with a scheme from the client's signature_algorithms; RFC 8998 §3.2
        // has ShangMi clients offer sm2sig_sm3.
        Vector<?> offered = context.getSecurityParametersHandshake().getClientSigAlgs();
        if (offered == null || !offered.contains(_profile.signingAlgorithm()))
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "client did not offer " + _profile.signingAlgorithm());
        }

        Certificate chain = _identity.toTlsCertificate(_crypto, TlsUtils.EMPTY_BYTES);
        return _profile.signer(context, _crypto, _identity.key(), chain);
    }

    @Override
    public CertificateRequest getCertificateRequest() throws IOException
    {
        if (_clientAuth == ClientAuth.NONE)
        {
            return null;
        }

        return new CertificateRequest(TlsUtils.EMPTY_BYTES, _profile.signatureAlgorithms(), null, null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException
    {
        if (clientCertificate == null || clientCertificate.isEmpty())
        {
            if (_clientAuth == ClientAuth.REQUIRE)
            {
                throw new TlsFatalAlert(AlertDescription.certificate_required, "no client certificate");
            }

            return;
        }

        _validator.validate(clientCertificate.getCertificateList());
    }

    /** Offered PSKs are tickets this process issued (BC 1.72 calls them "external"; see TicketIssuer). */
    @Override
    public TlsPSKExternal getExternalPSK(Vector identities)
    {
        for (Object offered : identities)
        {
            byte[] ticket = ((PskIdentity)offered).getIdentity();
            TicketIssuer.Issued issued = _tickets.redeem(ticket);
            if (issued != null && issued.prfAlgorithm() == _profile.prfAlgorithm())
            {
                _ticketRedeemed = true;
                return new BasicTlsPSKExternal(ticket, _crypto.createSecret(issued.psk()), issued.prfAlgorithm());
            }
        }

        return null;
    }
}
