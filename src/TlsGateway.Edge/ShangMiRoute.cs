using TlsGateway.Edge.Config;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// One filter chain as the router sees it. <paramref name="Options"/> is null when the chain has no
/// SM2 certificate; they carry the chain's client-certificate policy, allow-lists included, which
/// the managed engine applies inside its handshake as OpenSSL does inside its own.
/// </summary>
public sealed record ShangMiRoute(string Chain, IReadOnlyList<string> ServerNames, bool MatchesAlpn, ShangMiMode Mode, ManagedServerOptions? Options,
    ShangMiCertificate? Certificate);
