package tlsgw.bcpeer;

import java.io.IOException;
import java.lang.reflect.Field;

import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsHandshakeHash;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsHash;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * The RFC 8446 §7.1 / §4.6.1 resumption key schedule, which BC 1.72 does not have: it neither derives
 * resumption_master_secret nor issues or accepts tickets in TLS 1.3.
 *
 * <pre>
 * resumption_master_secret = Derive-Secret(master_secret, "res master", ClientHello..client Finished)
 * PSK                      = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)
 * </pre>
 *
 * BC keeps the running transcript in the package-private field {@code TlsProtocol.handshakeHash}; it is
 * read here by reflection (bctls is not a named module, so no --add-opens is needed).
 */
final class ResumptionSecrets
{
    private static final Field HANDSHAKE_HASH = handshakeHashField();

    private ResumptionSecrets()
    {
    }

    /** A copy of the transcript hash as it stands, to which more messages may still be added. */
    static TlsHash forkTranscript(TlsProtocol protocol) throws IOException
    {
        try
        {
            TlsHandshakeHash hash = (TlsHandshakeHash)HANDSHAKE_HASH.get(protocol);
            if (hash == null)
            {
                throw new IOException("no handshake hash: the handshake is over");
            }

            return hash.forkPRFHash();
        }
        catch (IllegalAccessException e)
        {
            throw new IOException(e);
        }
    }

    /** Derive-Secret(master_secret, "res master", transcript) for the connection's PRF hash. */
    static TlsSecret resumptionMasterSecret(SecurityParameters parameters, byte[] transcriptHash) throws IOException
    {
        return TlsCryptoUtils.hkdfExpandLabel(parameters.getMasterSecret(), parameters.getPRFCryptoHashAlgorithm(),
            "res master", transcriptHash, parameters.getPRFHashLength());
    }

    /** The PSK of one ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
    static byte[] ticketPsk(SecurityParameters parameters, TlsSecret resumptionMasterSecret, byte[] ticketNonce) throws IOException
    {
        return TlsCryptoUtils.hkdfExpandLabel(resumptionMasterSecret, parameters.getPRFCryptoHashAlgorithm(),
            "resumption", ticketNonce, parameters.getPRFHashLength()).extract();
    }

    private static Field handshakeHashField()
    {
        try
        {
            Field field = TlsProtocol.class.getDeclaredField("handshakeHash");
            field.setAccessible(true);
            return field;
        }
        catch (NoSuchFieldException e)
        {
            throw new IllegalStateException("not Bouncy Castle 1.72's TlsProtocol", e);
        }
    }
}
