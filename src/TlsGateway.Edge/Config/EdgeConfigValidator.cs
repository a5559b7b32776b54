using TlsGateway.Config;
using System.Net;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Config;

/// <summary>
/// Checks that span several keys of the edge section: unique names and addresses, one default
/// chain per listener, policies that need a trust bundle, valid TLS versions and server names.
/// File contents (certificates, keys) are checked when the runtime loads them.
/// </summary>
public static class EdgeConfigValidator
{
    public static void Validate(EdgeConfig config, SourceMap map, string root)
    {
        if (config.Listeners.Count == 0)
        {
            throw map.Error($"{root}.listeners", "at least one listener is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<IPEndPoint>();
        for (int i = 0; i < config.Listeners.Count; i++)
        {
            ListenerConfig listener = config.Listeners[i];
            string path = $"{root}.listeners[{i}]";
            if (!names.Add(listener.Name))
            {
                throw map.Error($"{path}.name", $"listener name '{listener.Name}' is used twice");
            }

            if (!addresses.Add(listener.Address))
            {
                throw map.Error($"{path}.address", $"address {listener.Address} is used by two listeners");
            }

            ValidateChains(listener, map, path);
        }
    }

    private static void ValidateChains(ListenerConfig listener, SourceMap map, string path)
    {
        if (listener.FilterChains.Count == 0)
        {
            throw map.Error($"{path}.filter_chains", "a listener needs at least one filter chain");
        }

        var chainNames = new HashSet<string>(StringComparer.Ordinal);
        var serverNames = new ServerNameMap<string>(null);
        var claims = new Dictionary<string, List<FilterChainConfig>>(StringComparer.OrdinalIgnoreCase);
        int defaults = 0;
        for (int c = 0; c < listener.FilterChains.Count; c++)
        {
            FilterChainConfig chain = listener.FilterChains[c];
            string chainPath = $"{path}.filter_chains[{c}]";
            if (!chainNames.Add(chain.Name))
            {
                throw map.Error($"{chainPath}.name", $"filter chain name '{chain.Name}' is used twice in listener '{listener.Name}'");
            }

            if (chain.ServerNames.Count == 0 && ++defaults > 1)
            {
                throw map.Error(chainPath, "only one filter chain per listener may omit server_names (the default chain)");
            }

            for (int n = 0; n < chain.ServerNames.Count; n++)
            {
                // Several chains may claim one name when match_alpn tells them apart.
                string name = chain.ServerNames[n].Trim().TrimEnd('.');
                claims.TryGetValue(name, out List<FilterChainConfig>? earlier);
                FilterChainConfig? clash = earlier?.FirstOrDefault(other => Overlaps(other.MatchAlpn ?? [], chain.MatchAlpn ?? []));
                if (clash is not null)
                {
                    throw map.Error($"{chainPath}.server_names[{n}]",
                        $"server name '{chain.ServerNames[n]}' is claimed by more than one entry ('{clash.Name}' and '{chain.Name}'); tell them apart with match_alpn");
                }

                try
                {
                    serverNames.Add(chain.ServerNames[n], earlier?[0].Name ?? chain.Name);
                }
                catch (TlsConfigurationException e)
                {
                    throw map.Error($"{chainPath}.server_names[{n}]", e.Message);
                }

                (claims.TryGetValue(name, out List<FilterChainConfig>? list) ? list : claims[name] = []).Add(chain);
            }

            if (chain.Certificates.Count == 0)
            {
                throw map.Error($"{chainPath}.certificates", "at least one certificate is required");
            }

            if (chain.ShangMi == ShangMiMode.Require && chain.MatchAlpn is { Count: > 0 })
            {
                // The engine is chosen by server name before ALPN is negotiated.
                throw map.Error($"{chainPath}.sm", "sm: require cannot be combined with match_alpn");
            }

            ValidateTls(chain.Tls, map, $"{chainPath}.tls");
            ValidateClientAuth(chain.ClientAuth, map, $"{chainPath}.client_auth");
            if (chain.Upstream.Endpoints.Count == 0)
            {
                throw map.Error($"{chainPath}.upstream.endpoints", "at least one endpoint is required");
            }

            if (chain.Upstream.Tls?.Profile is { } upstreamProfile)
            {
                ValidateTls(upstreamProfile, map, $"{chainPath}.upstream.tls.profile");
            }
        }
    }

    // Two ALPN conditions overlap when both are unconditional or they share a protocol.
    private static bool Overlaps(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        (a.Count == 0 && b.Count == 0) || a.Intersect(b, StringComparer.Ordinal).Any();

    private static void ValidateTls(TlsProfileConfig tls, SourceMap map, string path)
    {
        try
        {
            if (tls.MinVersion is not null)
            {
                TlsVersionNames.Parse(tls.MinVersion);
            }
        }
        catch (TlsConfigurationException e)
        {
            throw map.Error($"{path}.min_version", e.Message);
        }

        try
        {
            if (tls.MaxVersion is not null)
            {
                TlsVersionNames.Parse(tls.MaxVersion);
            }
        }
        catch (TlsConfigurationException e)
        {
            throw map.Error($"{path}.max_version", e.Message);
        }
    }

    private static void ValidateClientAuth(ClientAuthConfig auth, SourceMap map, string path)
    {
        if (auth.Mode != ClientCertificateMode.Off && auth.TrustBundleFile is null)
        {
            throw map.Error(path, $"client_auth mode '{auth.Mode.ToString().ToLowerInvariant()}' needs a trust_bundle");
        }

        bool restricts = auth.AllowedSpiffeIds.Count + auth.AllowedTrustDomains.Count + auth.AllowedDnsNames.Count > 0;
        if (auth.Mode == ClientCertificateMode.Off && restricts)
        {
            throw map.Error($"{path}.mode", "allowed_* lists have no effect while client_auth mode is off");
        }

        if (auth.Mode == ClientCertificateMode.Off && auth.CrlFile is not null)
        {
            throw map.Error($"{path}.crl", "a crl has no effect while client_auth mode is off");
        }

        foreach (string id in auth.AllowedSpiffeIds)
        {
            if (!id.StartsWith("spiffe://", StringComparison.Ordinal) || id.Length <= "spiffe://".Length)
            {
                throw map.Error($"{path}.allowed_spiffe_ids", $"'{id}' is not a SPIFFE ID (spiffe://trust-domain/path)");
            }
        }
    }
}
