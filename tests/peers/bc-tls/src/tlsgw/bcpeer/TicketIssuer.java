package tlsgw.bcpeer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.bouncycastle.tls.TlsUtils;

/**
 * The server's tickets (RFC 8446 §4.6.1): each ticket is a random handle into this in-memory table,
 * which holds the PSK it stands for. One table serves every connection of one server process, so a
 * client can resume on its next connection. Not a goal: tickets that outlive the process.
 */
final class TicketIssuer
{
    static final long LIFETIME_SECONDS = 3600;

    private final SecureRandom _random = new SecureRandom();
    private final Map<String, Issued> _issued = new ConcurrentHashMap<>();
    private int _nonce;

    /** What one ticket stands for. */
    record Issued(byte[] psk, int prfAlgorithm)
    {
    }

    /** Records a new ticket and returns the NewSessionTicket body for it; the PSK comes from the nonce. */
    synchronized byte[] issue(PskDeriver deriver, int prfAlgorithm) throws IOException
    {
        byte[] nonce = new byte[] { (byte)_nonce++ };
        byte[] ticket = new byte[16];
        _random.nextBytes(ticket);
        long ageAdd = _random.nextInt() & 0xFFFFFFFFL;
        _issued.put(HexFormat.of().formatHex(ticket), new Issued(deriver.psk(nonce), prfAlgorithm));

        // struct { uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
        //          opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>; } NewSessionTicket;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        TlsUtils.writeUint32(LIFETIME_SECONDS, body);
        TlsUtils.writeUint32(ageAdd, body);
        TlsUtils.writeOpaque8(nonce, body);
        TlsUtils.writeOpaque16(ticket, body);
        TlsUtils.writeUint16(0, body);
        return body.toByteArray();
    }

    /** The PSK behind a ticket the client offers, or null for a ticket this server never issued. */
    Issued redeem(byte[] ticket)
    {
        return _issued.get(HexFormat.of().formatHex(ticket));
    }

    /** Derives a ticket's PSK from its nonce (with the connection's resumption_master_secret). */
    @FunctionalInterface
    interface PskDeriver
    {
        byte[] psk(byte[] ticketNonce) throws IOException;
    }
}
