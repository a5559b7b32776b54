namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A session a client can resume (RFC 8446 §4.6.1): the ticket as the server sent it, the PSK
/// derived from resumption_master_secret and the ticket nonce, and what the ticket's use depends on
/// (the suite's hash, lifetime, age_add, the server name and ALPN protocol of the connection that got
/// it). The PSK is a secret: it is wiped on <see cref="Dispose"/>, and whoever holds the session owns it.
/// </summary>
public sealed class ManagedClientSession : IDisposable
{
    /// <summary>§4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)".</summary>
    public const uint MaxLifetimeSeconds = 604800;

    private readonly Tls13Secret _psk;

    internal ManagedClientSession(Tls13CipherSuite suite, Tls13Secret psk, NewSessionTicket ticket, DateTimeOffset receivedAt,
        string serverName, string? applicationProtocol)
    {
        Suite = suite;
        _psk = psk;
        Ticket = ticket.Ticket.ToArray();
        Lifetime = TimeSpan.FromSeconds(ticket.Lifetime);
        AgeAdd = ticket.AgeAdd;
        ReceivedAt = receivedAt;
        ServerName = serverName;
        ApplicationProtocol = applicationProtocol;
    }

    /// <summary>The suite of the connection that got the ticket; a resumption must use one with the same hash (§4.2.11).</summary>
    public Tls13CipherSuite Suite { get; }

    /// <summary>The opaque ticket, sent back as the PSK identity.</summary>
    public ReadOnlyMemory<byte> Ticket { get; }

    public TimeSpan Lifetime { get; }

    /// <summary>ticket_age_add: added to the age in milliseconds so the age is not visible on the wire (§4.2.11.1).</summary>
    public uint AgeAdd { get; }

    public DateTimeOffset ReceivedAt { get; }

    public string ServerName { get; }

    public string? ApplicationProtocol { get; }

    internal Tls13Secret Psk => _psk;

    /// <summary>False once the lifetime has passed (§4.6.1: a ticket is not used after it).</summary>
    public bool IsUsableAt(DateTimeOffset now) => now >= ReceivedAt && now < ReceivedAt + Lifetime;

    /// <summary>obfuscated_ticket_age: the age in milliseconds plus ticket_age_add, modulo 2^32 (§4.2.11.1).</summary>
    internal uint ObfuscatedAge(DateTimeOffset now) => unchecked((uint)(long)(now - ReceivedAt).TotalMilliseconds + AgeAdd);

    public void Dispose() => _psk.Dispose();
}
