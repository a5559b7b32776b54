using TlsGateway.Edge.Config;
using TlsGateway.Tls;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// Picks the engine for each client of a listener that has ShangMi chains, from its ClientHello:
/// the chain is found by server name exactly as OpenSSL finds it (exact, wildcard, default:
/// <see cref="ServerNameMap{T}"/>), then a client offering the RFC 8998 suites on a chain with an
/// SM2 certificate goes to the managed engine, a client that does not on an `sm: require` chain is
/// refused, and every other client goes to OpenSSL, which sees the same bytes and decides as if
/// nothing had looked. Built once per binding; read concurrently.
/// </summary>
public sealed class ShangMiRouter : IDisposable
{
    private readonly ServerNameMap<ShangMiRoute> _routes;
    private readonly bool _rejectUnknownServerNames;
    private readonly IReadOnlyList<ShangMiRoute> _all;

    /// <param name="routes">One per filter chain, in config order; chains with match_alpn only claim names no other chain has.</param>
    public ShangMiRouter(IReadOnlyList<ShangMiRoute> routes, bool rejectUnknownServerNames)
    {
        _all = routes;
        _rejectUnknownServerNames = rejectUnknownServerNames;
        // Asked for every connection of the listener: decided once here.
        HasShangMiChains = routes.Any(r => r.Options is not null || r.Mode == ShangMiMode.Require);
        _routes = new ServerNameMap<ShangMiRoute>(routes.FirstOrDefault(r => r.ServerNames.Count == 0 && !r.MatchesAlpn));
        var claimed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Chains without match_alpn first: they are what a client gets when ALPN does not decide.
        foreach (ShangMiRoute route in routes.OrderBy(r => r.MatchesAlpn))
        {
            foreach (string name in route.ServerNames)
            {
                if (claimed.Add(name.Trim().TrimEnd('.')))
                {
                    _routes.Add(name, route);
                }
            }
        }
    }

    /// <summary>Whether any chain of the listener can serve a ShangMi client: only then is a ClientHello worth reading first.</summary>
    public bool HasShangMiChains { get; }

    /// <summary>The engine for a client that sent <paramref name="hello"/>, and the chain when it is the managed one.</summary>
    public (EngineChoice Engine, ShangMiRoute? Route) Choose(ClientHelloSummary hello)
    {
        (ShangMiRoute? route, bool matched) = _routes.Find(hello.ServerName);
        if (route is null || (!matched && _rejectUnknownServerNames && !string.IsNullOrEmpty(hello.ServerName)))
        {
            return (EngineChoice.OpenSsl, null); // OpenSSL answers unknown names as configured
        }

        if (hello.OffersShangMi && route.Options is not null && route.Mode != ShangMiMode.Off)
        {
            return (EngineChoice.ShangMi, route);
        }

        return route.Mode == ShangMiMode.Require ? (EngineChoice.Refuse, route) : (EngineChoice.OpenSsl, null);
    }

    public void Dispose()
    {
        foreach (ShangMiRoute route in _all)
        {
            route.Certificate?.Dispose();
        }
    }
}
