using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Picks the PSK a ClientHello offers, if any can be used (RFC 8446 §4.2.11): the first identity that
/// is one of this server's tickets, opens under a current key, is fresh, fits the negotiated suite and
/// the server name, and still satisfies the client-certificate policy. Only that identity's binder is
/// checked ("Servers SHOULD NOT attempt to validate multiple binders", §4.2.11); a binder that fails
/// ends the handshake with decrypt_error (§4.2.11: the server "MUST abort the handshake"; §6.2 names
/// decrypt_error for "being unable to ... validate ... a PSK binder"). A ticket that is merely unusable
/// is passed over, and with none left the handshake is a full one.
/// </summary>
internal static class TicketResumption
{
    /// <summary>Identities tried per ClientHello: each costs an AEAD open, and real clients offer one or two.</summary>
    private const int MaxIdentitiesTried = 8;

    /// <summary>
    /// The accepted ticket, or null for a full handshake. <paramref name="framedHello"/> is the
    /// ClientHello as hashed; <paramref name="transcriptBefore"/> is null for a first ClientHello and,
    /// after a HelloRetryRequest, the transcript of message_hash and the HelloRetryRequest, which the
    /// binder then covers too (§4.2.11.2, §4.1.4).
    /// </summary>
    public static AcceptedTicket? TryAccept(ServerHandshakeContext context, ClientHello hello, ReadOnlySpan<byte> framedHello,
        Tls13CipherSuite suite, Tls13Hash? transcriptBefore)
    {
        SessionTicketOptions? tickets = context.Options.Tickets;
        if (tickets is null || hello.PreSharedKey is not { } offered)
        {
            return null;
        }

        // §4.2.9: the server "MUST NOT select a key exchange mode that is not listed by the client";
        // psk_dhe_ke is the only one this server uses (psk_ke has no forward secrecy: a non-goal).
        if (hello.PskKeyExchangeModes?.Contains(PskKeyExchangeMode.PskDheKe) != true)
        {
            return null;
        }

        long now = tickets.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        int tried = Math.Min(offered.Identities.Count, MaxIdentitiesTried);
        for (int i = 0; i < tried; i++)
        {
            AcceptedTicket? accepted = TryOpen(context, tickets, hello, offered.Identities[i], suite, now, (ushort)i);
            if (accepted is null)
            {
                continue;
            }

            if (!BinderVerifies(suite, accepted.State.Psk, hello, framedHello, transcriptBefore, offered.Binders[i].Span))
            {
                accepted.Dispose();
                throw new TlsProtocolException(AlertDescription.DecryptError, "the PSK binder does not verify (RFC 8446 §4.2.11, §6.2)");
            }

            return accepted;
        }

        return null;
    }

    private static AcceptedTicket? TryOpen(ServerHandshakeContext context, SessionTicketOptions tickets, ClientHello hello,
        PskIdentity identity, Tls13CipherSuite suite, long now, ushort index)
    {
        if (!tickets.Protector.TryOpen(identity.Identity.Span, out byte[] plaintext))
        {
            return null;
        }

        SessionTicketState? state = SessionTicketState.TryDecode(plaintext);
        CryptographicOperations.ZeroMemory(plaintext);
        if (state is null)
        {
            return null;
        }

        X509Certificate2? leaf = null;
        if (IsUsable(context.Options, tickets, state, hello, identity, suite, now) && TryLoadLeaf(context.Options, state, now, out leaf))
        {
            return new AcceptedTicket(index, state, leaf);
        }

        state.Dispose();
        return null;
    }

    private static bool IsUsable(ManagedServerOptions options, SessionTicketOptions tickets, SessionTicketState state, ClientHello hello,
        PskIdentity identity, Tls13CipherSuite suite, long now)
    {
        // §4.2.11: the PSK's hash must be the suite's; §4.6.1: "Any ticket MUST only be resumed with a
        // cipher suite that has the same KDF hash algorithm". And the ticket's suite must still be allowed.
        Tls13CipherSuite? ticketSuite = Tls13CipherSuite.Find(state.SuiteId);
        if (ticketSuite is null || !options.CipherSuites.Contains(ticketSuite) || ticketSuite.Hash.Name != suite.Hash.Name
            || state.Psk.Length != suite.HashLength)
        {
            return false;
        }

        // §4.6.1: a ticket is good for its lifetime from issue, and a shorter configured lifetime applies
        // to tickets already out. §4.2.11.1: the client's view of the age is obfuscated_ticket_age minus
        // ticket_age_add (mod 2^32), in milliseconds; one too far from the server's view is not used.
        long lifetime = Math.Min(state.LifetimeSeconds * 1000L, (long)tickets.Lifetime.TotalMilliseconds);
        long skew = (long)tickets.MaxAgeSkew.TotalMilliseconds;
        long serverAge = now - state.CreatedUnixMilliseconds;
        long clientAge = unchecked(identity.ObfuscatedTicketAge - state.AgeAdd);
        if (serverAge < -skew || serverAge > lifetime || Math.Abs(clientAge - serverAge) > skew)
        {
            return false;
        }

        // RFC 8446 §4.6.1 has clients resume only for a server name the original certificate covers;
        // the server is stricter: the same name (or none both times), so a ticket never crosses names.
        if (!string.Equals(state.ServerName, hello.ServerName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // The client-certificate policy of now, not of when the ticket was issued: a resumption
        // carries no certificates (§4.3.2: no CertificateRequest with a resumption PSK), so a ticket
        // stands in for them only if a full handshake now would have accepted what it records.
        if (state.PeerLeaf is null)
        {
            return options.ClientCertificates != ClientCertificateMode.Required;
        }

        return options.ClientTrustAnchors.Count == 0
            || (state.PeerValidated && CryptographicOperations.FixedTimeEquals(state.AnchorsHash, SessionTicketState.HashAnchors(options.ClientTrustAnchors)));
    }

    private static bool TryLoadLeaf(ManagedServerOptions options, SessionTicketState state, long now, out X509Certificate2? leaf)
    {
        leaf = null;
        if (state.PeerLeaf is null)
        {
            return true;
        }

        try
        {
            leaf = X509CertificateLoader.LoadCertificate(state.PeerLeaf);
        }
        catch (CryptographicException)
        {
            return false;
        }

        // A validated leaf that has expired since the ticket was issued no longer authenticates
        // (the full handshake's check, RFC 5280 §6.1.3 (a)(2)); nor does one today's allow-lists refuse.
        DateTimeOffset at = DateTimeOffset.FromUnixTimeMilliseconds(now);
        if ((options.ClientTrustAnchors.Count > 0 && (at < leaf.NotBefore.ToUniversalTime() || at > leaf.NotAfter.ToUniversalTime()))
            || options.ClientAuthorizer?.Authorize(PeerIdentity.FromCertificate(leaf)) is { Allowed: false })
        {
            leaf.Dispose();
            leaf = null;
            return false;
        }

        return true;
    }

    private static bool BinderVerifies(Tls13CipherSuite suite, ReadOnlySpan<byte> psk, ClientHello hello, ReadOnlySpan<byte> framedHello,
        Tls13Hash? transcriptBefore, ReadOnlySpan<byte> binder)
    {
        // §4.2.11.2: the binder is an HMAC over Transcript-Hash(Truncate(ClientHello1)) — the framed
        // ClientHello up to and including the identities — preceded, after a HelloRetryRequest, by
        // message_hash(ClientHello1) and the HelloRetryRequest.
        ReadOnlySpan<byte> truncated = framedHello[..(HandshakeMessage.HeaderLength + hello.BindersOffset)];
        byte[] truncatedHash = new byte[suite.HashLength];
        if (transcriptBefore is null)
        {
            suite.Hash.HashData(truncated, truncatedHash);
        }
        else
        {
            using Tls13Hash fork = transcriptBefore.Clone();
            fork.AppendData(truncated);
            fork.GetCurrentHash(truncatedHash);
        }

        using KeyScheduleEarly early = KeyScheduleEarly.WithPsk(suite, psk);
        using Tls13Secret binderKey = early.DeriveResumptionBinderKey();
        return binderKey.VerifyVerifyData(truncatedHash, binder);
    }
}
