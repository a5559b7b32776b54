using TlsGateway.Crypto;

namespace TlsGateway.Tls;

/// <summary>
/// What a server presents for a set of names: certificates (an RSA and an ECDSA one may sit side
/// by side; OpenSSL picks by what the client supports), profile, mTLS policy and ALPN list.
/// </summary>
/// <param name="Name">Identifies the entry in errors, logs and metrics.</param>
/// <param name="ServerNames">Exact names ("api.example.com") or one-label wildcards ("*.example.com").</param>
/// <param name="ApplicationProtocols">ALPN protocols in server preference order; empty means no ALPN.</param>
/// <param name="MatchAlpn">
/// When not empty, this entry serves its names only to clients offering one of these protocols;
/// another entry for the same names without it serves everyone else (Envoy's application_protocols match).
/// </param>
public sealed record ServerNameEntry(
    string Name,
    IReadOnlyList<string> ServerNames,
    IReadOnlyList<CertificateKeyPair> Certificates,
    TlsProfile Profile,
    ClientAuthOptions ClientAuth,
    IReadOnlyList<string> ApplicationProtocols,
    IReadOnlyList<string>? MatchAlpn = null);

/// <summary>Everything a TLS server context is built from.</summary>
/// <param name="DefaultEntry">Serves clients without SNI or with a name no entry has; null means the first entry.</param>
/// <param name="RejectUnknownServerNames">Refuse (unrecognized_name alert) instead of serving the default to unknown names.</param>
/// <param name="TicketKeys">Shared ticket key ring; null gives this context a private random one.</param>
public sealed record TlsServerOptions(
    IReadOnlyList<ServerNameEntry> Entries,
    string? DefaultEntry = null,
    bool RejectUnknownServerNames = false,
    TicketKeyRing? TicketKeys = null);
