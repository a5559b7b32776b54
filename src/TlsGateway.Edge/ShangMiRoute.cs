using TlsGateway.Edge.Config;
using TlsGateway.Tls;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// One filter chain as the router sees it. <paramref name="Options"/> is null when the chain has no
/// SM2 certificate; <paramref name="Authorizer"/> runs on the client's certificate after a managed
/// handshake, as the OpenSSL engine runs it inside its own.
/// </summary>
public sealed record ShangMiRoute(string Chain, IReadOnlyList<string> ServerNames, bool MatchesAlpn, ShangMiMode Mode, ManagedServerOptions? Options,
    IPeerAuthorizer? Authorizer, ShangMiCertificate? Certificate);
