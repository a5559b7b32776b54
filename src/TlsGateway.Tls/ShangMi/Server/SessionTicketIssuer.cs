using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Sends NewSessionTickets once the client's Finished has checked (RFC 8446 §4.6.1): each with the
/// configured lifetime, a random ticket_age_add, its own nonce, and a ticket sealing the PSK
/// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) with what the
/// connection established. Issuing is best effort: a ticket that cannot be made (the protector was
/// disposed, the client's leaf is too large to carry) is simply not sent; the connection goes on.
/// </summary>
internal static class SessionTicketIssuer
{
    /// <summary>
    /// <paramref name="clientFinishedHash"/> is Transcript-Hash(ClientHello…client Finished), which
    /// resumption_master_secret is derived over (§7.1).
    /// </summary>
    public static void Send(ServerHandshakeContext context, KeyScheduleTraffic master, ReadOnlySpan<byte> clientFinishedHash)
    {
        SessionTicketOptions? tickets = context.Options.Tickets;
        Tls13CipherSuite? suite = context.Suite;
        if (tickets is null || suite is null)
        {
            return;
        }

        byte[]? leaf = context.PeerCertificates.Count > 0 ? context.PeerCertificates[0] : null;
        if (leaf is { Length: > SessionTicketState.MaxPeerLeafLength })
        {
            return; // a ticket must stay bounded; this client resumes by full handshakes
        }

        byte[] anchorsHash = context.PeerChainValidated ? SessionTicketState.HashAnchors(context.Options.ClientTrustAnchors) : [];
        uint lifetime = (uint)tickets.Lifetime.TotalSeconds;
        long created = tickets.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        using Tls13Secret resumptionMaster = master.DeriveResumptionMasterSecret(clientFinishedHash);
        for (int i = 0; i < tickets.TicketsPerHandshake; i++)
        {
            // §4.6.1: the nonce is "unique across all tickets issued on this connection"; a counter is.
            byte[] nonce = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(nonce, (ulong)i);
            uint ageAdd = BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));
            byte[]? ticket = Seal(context, tickets, resumptionMaster, suite, nonce, created, lifetime, ageAdd, leaf, anchorsHash);
            if (ticket is null)
            {
                return;
            }

            context.Records.SendProtected(ContentType.Handshake, new NewSessionTicket(lifetime, ageAdd, nonce, ticket, []).ToMessage());
        }
    }

    private static byte[]? Seal(ServerHandshakeContext context, SessionTicketOptions tickets, Tls13Secret resumptionMaster, Tls13CipherSuite suite,
        byte[] nonce, long created, uint lifetime, uint ageAdd, byte[]? leaf, byte[] anchorsHash)
    {
        using Tls13Secret psk = resumptionMaster.DeriveResumptionPsk(nonce);
        using var state = new SessionTicketState(suite.Id, created, lifetime, ageAdd, psk.Span.ToArray(), context.ApplicationProtocol,
            context.ServerName, leaf, context.PeerChainValidated, anchorsHash);
        byte[] encoded = [];
        try
        {
            encoded = state.Encode();
            return tickets.Protector.Seal(encoded);
        }
        catch (Exception e) when (e is ObjectDisposedException or ArgumentException)
        {
            // The listener disposed its protector (shutting down), or a field cannot be carried:
            // no ticket, and the connection is unaffected.
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(encoded);
        }
    }
}
