namespace TlsGateway.Tls;

/// <summary>
/// The entries that claim one server name, told apart by the client's ALPN offer: the first
/// entry whose <see cref="ServerNameEntry.MatchAlpn"/> the offer meets, else the one entry with no
/// ALPN condition. Built once per context snapshot, read concurrently.
/// </summary>
internal sealed class ServerNameCandidates
{
    private readonly List<ServerContextEntry> _byAlpn = [];
    private ServerContextEntry? _unconditional;

    public ServerNameCandidates()
    {
    }

    /// <summary>The listener's default: serves clients without SNI or with names nobody claims, whatever they offer.</summary>
    public ServerNameCandidates(ServerContextEntry fallback)
    {
        Default = fallback;
        _unconditional = fallback;
    }

    public ServerContextEntry? Default { get; }

    public void Add(ServerContextEntry entry, string name)
    {
        IReadOnlyList<string> match = entry.Config.MatchAlpn ?? [];
        if (match.Count == 0)
        {
            if (_unconditional is not null && !ReferenceEquals(_unconditional, entry))
            {
                throw new TlsConfigurationException($"server name '{name}' is claimed by more than one entry ('{_unconditional.Config.Name}' and '{entry.Config.Name}')");
            }

            _unconditional = entry;
            return;
        }

        ServerContextEntry? clash = _byAlpn.FirstOrDefault(e => e.Config.MatchAlpn!.Intersect(match).Any());
        if (clash is not null && !ReferenceEquals(clash, entry))
        {
            throw new TlsConfigurationException($"server name '{name}' is claimed by entries '{clash.Config.Name}' and '{entry.Config.Name}' for the same ALPN protocols");
        }

        if (!_byAlpn.Contains(entry))
        {
            _byAlpn.Add(entry);
        }
    }

    public ServerContextEntry? Pick(ReadOnlySpan<byte> alpnOffer)
    {
        foreach (ServerContextEntry entry in _byAlpn)
        {
            if (AlpnProtocols.OfferContainsAny(alpnOffer, entry.Config.MatchAlpn!))
            {
                return entry;
            }
        }

        return _unconditional;
    }
}
