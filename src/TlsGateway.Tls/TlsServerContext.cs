namespace TlsGateway.Tls;

/// <summary>
/// An immutable snapshot of a listener's TLS configuration: one SSL_CTX per server name entry
/// and the SNI map over them. To change certificates, trust or policy, build a new snapshot and
/// swap it in; connections already running keep the snapshot they started with (OpenSSL holds
/// its own references), so nothing established is touched.
/// </summary>
public sealed class TlsServerContext : IDisposable
{
    private readonly ServerNameMap<ServerNameCandidates> _names;
    private readonly List<ServerContextEntry> _entries;
    private readonly TicketKeyRing? _ownedTickets;
    private readonly ServerContextEntry _defaultEntry;
    private readonly bool _rejectUnknown;

    private TlsServerContext(List<ServerContextEntry> entries, ServerNameMap<ServerNameCandidates> names, bool rejectUnknown,
        TicketKeyRing tickets, TicketKeyRing? ownedTickets)
    {
        _entries = entries;
        _names = names;
        _defaultEntry = names.Default!.Default!;
        _rejectUnknown = rejectUnknown;
        _ownedTickets = ownedTickets;
        TicketKeys = tickets;
    }

    /// <summary>The ring this context encrypts tickets with: the shared one from the options, or its own.</summary>
    public TicketKeyRing TicketKeys { get; }

    public IReadOnlyList<ServerContextEntry> Entries => _entries;

    public static TlsServerContext Create(TlsServerOptions options)
    {
        if (options.Entries.Count == 0)
        {
            throw new TlsConfigurationException("a TLS server needs at least one server name entry with a certificate");
        }

        var duplicate = options.Entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TlsConfigurationException($"server name entry '{duplicate.Key}' is defined more than once");
        }

        ServerNameEntry defaultConfig = options.DefaultEntry is null
            ? options.Entries[0]
            : options.Entries.FirstOrDefault(e => e.Name == options.DefaultEntry)
                ?? throw new TlsConfigurationException($"default server name entry '{options.DefaultEntry}' does not exist");

        TicketKeyRing? owned = options.TicketKeys is null ? TicketKeyRing.CreateRandom() : null;
        TicketKeyRing tickets = options.TicketKeys ?? owned!;
        var entries = new List<ServerContextEntry>();
        try
        {
            foreach (ServerNameEntry config in options.Entries)
            {
                entries.Add(ServerContextEntry.Build(config, tickets));
            }

            ServerContextEntry fallback = entries.First(e => ReferenceEquals(e.Config, defaultConfig));
            var defaults = new ServerNameCandidates(fallback);
            var names = new ServerNameMap<ServerNameCandidates>(defaults);
            var byName = new Dictionary<string, ServerNameCandidates>(StringComparer.OrdinalIgnoreCase);
            foreach (ServerContextEntry entry in entries)
            {
                foreach (string name in entry.Config.ServerNames)
                {
                    // One candidate list per name, so entries for the same name can differ by ALPN.
                    string key = name.Trim().TrimEnd('.');
                    if (!byName.TryGetValue(key, out ServerNameCandidates? candidates))
                    {
                        candidates = new ServerNameCandidates();
                        byName[key] = candidates;
                        names.Add(name, candidates);
                    }

                    candidates.Add(entry, name);
                }
            }

            return new TlsServerContext(entries, names, options.RejectUnknownServerNames, tickets, owned);
        }
        catch
        {
            foreach (ServerContextEntry entry in entries)
            {
                entry.Dispose();
            }

            owned?.Dispose();
            throw;
        }
    }

    /// <summary>A new server-side connection; its SNI decides which entry serves it.</summary>
    public TlsConnection CreateConnection() => TlsConnection.CreateServer(this, _defaultEntry);

    /// <summary>The entry that serves <paramref name="serverName"/>, or null to refuse it.</summary>
    internal ServerContextEntry? Resolve(string? serverName, ReadOnlySpan<byte> alpnOffer)
    {
        (ServerNameCandidates? candidates, bool matched) = _names.Find(serverName);
        if (!matched && _rejectUnknown && serverName is not null)
        {
            return null;
        }

        // A name whose entries all require ALPN protocols the client did not offer falls back to the default.
        return candidates?.Pick(alpnOffer) ?? _defaultEntry;
    }

    /// <summary>
    /// Staples <paramref name="ocspResponse"/> (empty removes it) to handshakes of entry
    /// <paramref name="entryName"/> that serve <paramref name="certificate"/> — the same pair the entry
    /// was built from, since OpenSSL matches the certificate object itself.
    /// </summary>
    public void SetOcspStaple(string entryName, Crypto.CertificateKeyPair certificate, ReadOnlySpan<byte> ocspResponse)
    {
        ServerContextEntry entry = _entries.FirstOrDefault(e => e.Config.Name == entryName)
            ?? throw new ArgumentException($"no server name entry '{entryName}'", nameof(entryName));
        Interop.NativeOcsp.SetStaple(entry.Handle, certificate.Chain, ocspResponse);
    }

    public void Dispose()
    {
        foreach (ServerContextEntry entry in _entries)
        {
            entry.Dispose();
        }

        _ownedTickets?.Dispose();
    }
}
