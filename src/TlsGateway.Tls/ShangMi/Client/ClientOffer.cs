using System.Security.Cryptography;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What stays the same across both ClientHellos of one connection (RFC 8446 §4.1.2: after a
/// HelloRetryRequest the client resends the same random, session id and suites): the random, the
/// 32-byte legacy_session_id of middlebox compatibility mode (§D.4), the suites, and the session
/// offered for resumption, if any. The session belongs to the caller, who may dispose it at any
/// time; so the offer holds its own copy of the PSK, owned by the <see cref="ExpectServerHello"/>
/// state that holds the offer, and wiped once the early secret is derived or the offer dropped.
/// </summary>
internal sealed record ClientOffer(byte[] Random, byte[] SessionId, IReadOnlyList<Tls13CipherSuite> Suites,
    ManagedClientSession? Session, Tls13Secret? Psk)
{
    /// <summary>Every scheme this engine verifies, offered in signature_algorithms (§4.2.3).</summary>
    public static IReadOnlyList<SignatureScheme> SignatureSchemes { get; } = [SignatureScheme.Sm2SigSm3, SignatureScheme.EcdsaSecp256r1Sha256];

    public static ClientOffer Create(ManagedClientOptions options)
    {
        ManagedClientSession? session = options.Session;
        DateTimeOffset now = options.Clock.GetUtcNow();

        // §4.6.1 / §4.2.11: a ticket is offered only before its lifetime ends, to the server name it
        // came from, and only with a suite of the same hash among the ones offered now.
        if (session is not null && (!session.IsUsableAt(now)
            || !string.Equals(session.ServerName, options.ServerName, StringComparison.OrdinalIgnoreCase)
            || !options.CipherSuites.Any(s => s.Hash == session.Suite.Hash)))
        {
            session = null;
        }

        return new ClientOffer(RandomNumberGenerator.GetBytes(ClientHello.RandomLength),
            RandomNumberGenerator.GetBytes(ClientHello.MaxSessionIdLength), [.. options.CipherSuites], session,
            session is null ? null : Tls13Secret.Import(session.Suite, session.Psk.Span));
    }

    /// <summary>The same offer without the session (§4.1.4: after a retry to another hash it cannot be used); wipes the PSK copy.</summary>
    public ClientOffer WithoutSession()
    {
        Psk?.Dispose();
        return this with { Session = null, Psk = null };
    }

    /// <summary>The implemented suite with <paramref name="id"/> if it was offered, else null.</summary>
    public Tls13CipherSuite? Offered(ushort id) => Suites.FirstOrDefault(s => s.Id == id);
}
