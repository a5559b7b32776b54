package tlsgw.bcpeer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.tls.KeyShareEntry;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerHello;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * BC's client protocol plus what the peer needs to see and keep: the group and HelloRetryRequest of the
 * handshake (RFC 8446 §4.1.3–4.1.4), and the server's NewSessionTickets (§4.6.1), which BC 1.72 reads
 * and throws away, turned into resumption PSKs.
 */
final class ClientProtocol extends TlsClientProtocol
{
    private final List<SessionTicket> _tickets = new ArrayList<>();
    private int _group = -1;
    private boolean _helloRetryRequest;
    private TlsSecret _resumptionMasterSecret;
    private SecurityParameters _parameters;

    ClientProtocol(InputStream input, OutputStream output)
    {
        super(input, output);
    }

    int group()
    {
        return _group;
    }

    boolean helloRetryRequest()
    {
        return _helloRetryRequest;
    }

    synchronized List<SessionTicket> tickets()
    {
        return List.copyOf(_tickets);
    }

    @Override
    protected void process13HelloRetryRequest(ServerHello helloRetryRequest) throws IOException
    {
        _helloRetryRequest = true;
        super.process13HelloRetryRequest(helloRetryRequest);
    }

    @Override
    protected void process13ServerHello(ServerHello serverHello, boolean afterHelloRetryRequest) throws IOException
    {
        super.process13ServerHello(serverHello, afterHelloRetryRequest);
        KeyShareEntry keyShare = TlsExtensionsUtils.getKeyShareServerHello(serverHello.getExtensions());
        _group = keyShare == null ? -1 : keyShare.getNamedGroup();
    }

    @Override
    protected void completeHandshake() throws IOException
    {
        // The client's own Finished is already in BC's transcript here (it hashes every message it sends).
        SecurityParameters parameters = getContext().getSecurityParametersHandshake();
        if (parameters != null && TlsUtils.isTLSv13(parameters.getNegotiatedVersion()))
        {
            byte[] transcript = ResumptionSecrets.forkTranscript(this).calculateHash();
            _resumptionMasterSecret = ResumptionSecrets.resumptionMasterSecret(parameters, transcript);
            _parameters = parameters;
        }

        super.completeHandshake();
    }

    /** Replaces BC's "parse and discard" (RFC 8446 §4.6.1 structure). */
    @Override
    protected void receive13NewSessionTicket(ByteArrayInputStream message) throws IOException
    {
        long lifetime = TlsUtils.readUint32(message);
        long ageAdd = TlsUtils.readUint32(message);
        byte[] nonce = TlsUtils.readOpaque8(message);
        byte[] ticket = TlsUtils.readOpaque16(message, 1);
        TlsUtils.readOpaque16(message); // extensions: early_data is the only one defined, and 0-RTT is not a goal
        assertEmpty(message);
        if (_resumptionMasterSecret == null)
        {
            return;
        }

        byte[] psk = ResumptionSecrets.ticketPsk(_parameters, _resumptionMasterSecret, nonce);
        synchronized (this)
        {
            _tickets.add(new SessionTicket(ticket, psk, _parameters.getPRFAlgorithm(), lifetime, ageAdd, System.currentTimeMillis()));
        }
    }
}
