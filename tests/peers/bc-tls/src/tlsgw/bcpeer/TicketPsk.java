package tlsgw.bcpeer;

import java.util.function.LongSupplier;

import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * A ticket offered for resumption (RFC 8446 §4.2.11). BC 1.72 calls every PSK "external"; the agent makes
 * BC use the "res binder" label for all of them and take obfuscated_ticket_age from this LongSupplier.
 */
final class TicketPsk extends BasicTlsPSKExternal implements LongSupplier
{
    private final SessionTicket _ticket;

    TicketPsk(TlsCrypto crypto, SessionTicket ticket)
    {
        super(ticket.identity(), crypto.createSecret(ticket.psk()), ticket.prfAlgorithm());
        _ticket = ticket;
    }

    /** obfuscated_ticket_age = (ticket age in milliseconds + ticket_age_add) mod 2^32. */
    @Override
    public long getAsLong()
    {
        long ageMillis = System.currentTimeMillis() - _ticket.receivedAtMillis();
        return (ageMillis + _ticket.ageAdd()) & 0xFFFFFFFFL;
    }
}
