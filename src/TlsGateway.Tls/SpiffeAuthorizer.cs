namespace TlsGateway.Tls;

/// <summary>
/// Allow-list authorization: a peer is let in when its SPIFFE ID is listed, its trust domain is
/// listed, or one of its DNS SANs is listed. With every list empty, any verified peer is allowed
/// (trust = the bundle). Fails closed: a peer matching nothing is denied.
/// </summary>
public sealed class SpiffeAuthorizer : IPeerAuthorizer
{
    private readonly HashSet<string> _ids;
    private readonly HashSet<string> _trustDomains;
    private readonly HashSet<string> _dnsNames;

    public SpiffeAuthorizer(IEnumerable<string>? spiffeIds = null, IEnumerable<string>? trustDomains = null, IEnumerable<string>? dnsNames = null)
    {
        _ids = new HashSet<string>(spiffeIds ?? [], StringComparer.Ordinal);
        _trustDomains = new HashSet<string>(trustDomains ?? [], StringComparer.OrdinalIgnoreCase);
        _dnsNames = new HashSet<string>(dnsNames ?? [], StringComparer.OrdinalIgnoreCase);
    }

    public AuthorizationDecision Authorize(PeerIdentity peer)
    {
        if (_ids.Count == 0 && _trustDomains.Count == 0 && _dnsNames.Count == 0)
        {
            return AuthorizationDecision.Allow;
        }

        if (peer.SpiffeId is not null && _ids.Contains(peer.SpiffeId))
        {
            return AuthorizationDecision.Allow;
        }

        if (peer.TrustDomain is not null && _trustDomains.Contains(peer.TrustDomain))
        {
            return AuthorizationDecision.Allow;
        }

        if (peer.DnsNames.Any(_dnsNames.Contains))
        {
            return AuthorizationDecision.Allow;
        }

        return AuthorizationDecision.Deny($"peer '{peer.SpiffeId ?? peer.Subject}' is not in the allowed SPIFFE IDs, trust domains or DNS names");
    }
}
