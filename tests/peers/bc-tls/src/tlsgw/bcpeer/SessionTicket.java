package tlsgw.bcpeer;

/**
 * A TLS 1.3 ticket as the client keeps it (RFC 8446 §4.6.1): the opaque identity to offer, the PSK
 * derived from it, and the PRF algorithm of the suite it belongs to.
 */
record SessionTicket(byte[] identity, byte[] psk, int prfAlgorithm, long lifetimeSeconds, long ageAdd, long receivedAtMillis)
{
}
