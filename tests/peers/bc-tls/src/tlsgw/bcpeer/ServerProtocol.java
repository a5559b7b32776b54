package tlsgw.bcpeer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import org.bouncycastle.tls.ClientHello;
import org.bouncycastle.tls.HandshakeMessageInput;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.KeyShareEntry;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerHello;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsHash;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * BC's server protocol plus what the peer needs to see and do: the group and HelloRetryRequest of the
 * handshake (RFC 8446 §4.1.3–4.1.4), and one NewSessionTicket after the handshake (§4.6.1), which BC 1.72
 * never sends in TLS 1.3.
 */
final class ServerProtocol extends TlsServerProtocol
{
    private static final Method SEND_HANDSHAKE_MESSAGE = sendHandshakeMessageMethod();

    private final TicketIssuer _tickets;
    private int _group = -1;
    private boolean _helloRetryRequest;
    private byte[] _transcriptThroughClientFinished;

    ServerProtocol(InputStream input, OutputStream output, TicketIssuer tickets)
    {
        super(input, output);
        _tickets = tickets;
    }

    int group()
    {
        return _group;
    }

    boolean helloRetryRequest()
    {
        return _helloRetryRequest;
    }

    @Override
    protected ServerHello generate13HelloRetryRequest(ClientHello clientHello) throws IOException
    {
        _helloRetryRequest = true;
        return super.generate13HelloRetryRequest(clientHello);
    }

    @Override
    protected ServerHello generate13ServerHello(ClientHello clientHello, HandshakeMessageInput message, boolean afterHelloRetryRequest)
        throws IOException
    {
        ServerHello serverHello = super.generate13ServerHello(clientHello, message, afterHelloRetryRequest);
        if (!serverHello.isHelloRetryRequest())
        {
            KeyShareEntry keyShare = TlsExtensionsUtils.getKeyShareServerHello(serverHello.getExtensions());
            _group = keyShare == null ? -1 : keyShare.getNamedGroup();
        }

        return serverHello;
    }

    @Override
    protected void handle13HandshakeMessage(short type, HandshakeMessageInput message) throws IOException
    {
        // BC verifies the client Finished without adding it to its transcript, but resumption_master_secret
        // covers "ClientHello..client Finished" (RFC 8446 §7.1): hash a copy of the transcript plus this message.
        if (type == HandshakeType.finished)
        {
            TlsHash transcript = ResumptionSecrets.forkTranscript(this);
            message.updateHash(transcript);
            _transcriptThroughClientFinished = transcript.calculateHash();
        }

        super.handle13HandshakeMessage(type, message);
    }

    @Override
    protected void completeHandshake() throws IOException
    {
        SecurityParameters parameters = getContext().getSecurityParametersHandshake();
        TlsSecret resumptionMasterSecret = null;
        if (_transcriptThroughClientFinished != null && TlsUtils.isTLSv13(parameters.getNegotiatedVersion()))
        {
            resumptionMasterSecret = ResumptionSecrets.resumptionMasterSecret(parameters, _transcriptThroughClientFinished);
        }

        super.completeHandshake();
        if (resumptionMasterSecret != null)
        {
            TlsSecret secret = resumptionMasterSecret;
            byte[] body = _tickets.issue(nonce -> ResumptionSecrets.ticketPsk(parameters, secret, nonce), parameters.getPRFAlgorithm());
            sendHandshakeMessage(HandshakeType.new_session_ticket, body);
        }
    }

    /** BC's own framing and record path for a post-handshake message (package-private in 1.72). */
    private void sendHandshakeMessage(short type, byte[] body) throws IOException
    {
        try
        {
            SEND_HANDSHAKE_MESSAGE.invoke(null, this, type, body);
        }
        catch (InvocationTargetException e)
        {
            if (e.getCause() instanceof IOException io)
            {
                throw io;
            }

            throw new IOException(e.getCause());
        }
        catch (IllegalAccessException e)
        {
            throw new IOException(e);
        }
    }

    private static Method sendHandshakeMessageMethod()
    {
        try
        {
            Class<?> output = Class.forName("org.bouncycastle.tls.HandshakeMessageOutput");
            Method send = output.getDeclaredMethod("send", TlsProtocol.class, short.class, byte[].class);
            send.setAccessible(true);
            return send;
        }
        catch (ReflectiveOperationException e)
        {
            throw new IllegalStateException("not Bouncy Castle 1.72's HandshakeMessageOutput", e);
        }
    }
}
