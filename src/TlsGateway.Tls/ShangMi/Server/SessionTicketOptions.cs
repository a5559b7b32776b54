namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Session tickets on the managed server (RFC 8446 §4.6.1, §2.2): after a full handshake the server
/// sends <see cref="TicketsPerHandshake"/> NewSessionTickets, each a stateless ticket sealed by
/// <see cref="Protector"/>; a later ClientHello that offers one with psk_dhe_ke resumes without
/// certificates. <see cref="ManagedServerOptions.Tickets"/> null (the default) turns all of it off:
/// no tickets are sent and offered PSKs are ignored.
/// </summary>
/// <remarks>
/// Non-goals: 0-RTT (tickets carry no early_data extension, so clients must not send early data,
/// §4.2.10), psk_ke (PSK without (EC)DHE has no forward secrecy; only psk_dhe_ke is accepted,
/// §4.2.9), a server-side session cache (tickets are stateless, so a ticket can be used more than
/// once until it expires — harmless without 0-RTT, since each resumption runs a fresh ECDHE and the
/// binder proves the client holds the PSK).
/// </remarks>
public sealed record SessionTicketOptions
{
    /// <summary>RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)".</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    private readonly TimeSpan _lifetime = TimeSpan.FromHours(2);
    private readonly int _ticketsPerHandshake = 1;
    private readonly TimeSpan _maxAgeSkew = TimeSpan.FromSeconds(10);

    public SessionTicketOptions(SessionTicketProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        Protector = protector;
    }

    /// <summary>Seals and opens tickets; usually shared by every connection of a listener (and with its key rotation).</summary>
    public SessionTicketProtector Protector { get; }

    /// <summary>ticket_lifetime: how long a ticket may be used; at least one second, at most 7 days.</summary>
    public TimeSpan Lifetime
    {
        get => _lifetime;
        init => _lifetime = value >= TimeSpan.FromSeconds(1) && value <= MaxLifetime
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Lifetime), value, "a ticket lifetime is between 1 s and 7 days (RFC 8446 §4.6.1)");
    }

    /// <summary>How many tickets follow each handshake (1 to 8; a client that opens parallel connections may want several).</summary>
    public int TicketsPerHandshake
    {
        get => _ticketsPerHandshake;
        init => _ticketsPerHandshake = value is >= 1 and <= 8
            ? value
            : throw new ArgumentOutOfRangeException(nameof(TicketsPerHandshake), value, "between 1 and 8 tickets per handshake");
    }

    /// <summary>
    /// How far the ticket age the client reports (obfuscated_ticket_age − ticket_age_add, §4.2.11.1)
    /// may differ from the age by the server's clock; a ticket outside it is not used. It absorbs the
    /// round trip and clock-rate differences, as OpenSSL's 10 s allowance does.
    /// </summary>
    public TimeSpan MaxAgeSkew
    {
        get => _maxAgeSkew;
        init => _maxAgeSkew = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxAgeSkew), value, "the age skew cannot be negative");
    }

    /// <summary>The clock that stamps and ages tickets.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
