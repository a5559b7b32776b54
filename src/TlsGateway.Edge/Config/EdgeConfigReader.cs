using TlsGateway.Config;
using System.Net;
using TlsGateway.Crypto;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Config;

/// <summary>
/// Reads the `edge` section of tlsgw.yaml into <see cref="EdgeConfig"/>: types, ranges and
/// unknown keys, each error with file, line and key path; then runs <see cref="EdgeConfigValidator"/>
/// for the checks that span several keys. <see cref="ReadFile"/>, the entry point of a real load,
/// also checks the CRL files the config names (<see cref="CrlFileValidator"/>); <see cref="Read"/>
/// never touches the disk. docs/config.md documents every key.
/// </summary>
public static class EdgeConfigReader
{
    /// <summary>Top-level sections of roles that `serve` cannot run yet; `agent` runs beside the edge.</summary>
    private static readonly string[] s_unavailableSections = ["ca", "store"];

    public static EdgeConfig ReadFile(string path)
    {
        (EdgeConfig config, SourceMap map) = Parse(ConfigDocument.ReadFile(path));
        CrlFileValidator.Validate(config, map, "edge");
        return config;
    }

    public static EdgeConfig Read(string file, string text) => Parse(ConfigDocument.Parse(file, text)).Config;

    private static (EdgeConfig Config, SourceMap Map) Parse(ConfigNode root)
    {
        foreach (string section in s_unavailableSections)
        {
            if (root.Has(section))
            {
                throw root.Error($"{section}: the '{section}' role is not available in this build yet; remove the section");
            }
        }

        ConfigNode edge = root.Required("edge");
        edge.AllowKeys("listeners");
        var config = new EdgeConfig(edge.Required("listeners").AsList().Select(ReadListener).ToArray());
        EdgeConfigValidator.Validate(config, root.Map, "edge");
        return (config, root.Map);
    }

    private static ListenerConfig ReadListener(ConfigNode node)
    {
        node.AllowKeys("name", "address", "filter_chains", "limits", "session_tickets", "reject_unknown_server_names", "access_log", "event_loops");
        var listener = new ListenerConfig(
            node.Required("name").AsString(),
            (IPEndPoint)node.Required("address").AsEndpoint(requireIp: true),
            node.Required("filter_chains").AsList().Select(ReadChain).ToArray(),
            ReadLimits(node.Optional("limits")),
            ReadTickets(node.Optional("session_tickets")),
            node.Optional("reject_unknown_server_names")?.AsBool() ?? false,
            node.Optional("access_log")?.AsBool() ?? false,
            node.Optional("event_loops")?.AsBool() ?? true);
        return listener;
    }

    private static LimitsConfig ReadLimits(ConfigNode? node)
    {
        LimitsConfig defaults = LimitsConfig.Default;
        if (node is null)
        {
            return defaults;
        }

        node.AllowKeys("max_connections", "handshake_timeout", "idle_timeout", "max_handshakes_per_second");
        var limits = new LimitsConfig(
            node.Optional("max_connections")?.AsInt(1, 1_000_000) ?? defaults.MaxConnections,
            node.Optional("handshake_timeout")?.AsDuration() ?? defaults.HandshakeTimeout,
            node.Optional("idle_timeout")?.AsDuration() ?? defaults.IdleTimeout,
            node.Optional("max_handshakes_per_second")?.AsInt(0, 10_000_000) ?? defaults.MaxHandshakesPerSecond);
        return limits;
    }

    private static SessionTicketConfig ReadTickets(ConfigNode? node)
    {
        if (node is null)
        {
            return SessionTicketConfig.Default;
        }

        node.AllowKeys("keys_file", "rotate_every", "sds");
        if (node.Optional("sds") is { } sds)
        {
            if (node.Has("keys_file") || node.Has("rotate_every"))
            {
                throw node.Error("give either sds (keys from an agent, rotated by it) or keys_file/rotate_every, not both");
            }

            return new SessionTicketConfig(null, SessionTicketConfig.Default.RotateEvery, ReadSds(sds));
        }

        var tickets = new SessionTicketConfig(
            node.Optional("keys_file")?.AsPath(),
            node.Optional("rotate_every")?.AsDuration() ?? SessionTicketConfig.Default.RotateEvery);
        return tickets;
    }

    private static FilterChainConfig ReadChain(ConfigNode node)
    {
        node.AllowKeys("name", "server_names", "match_alpn", "certificates", "tls", "client_auth", "alpn", "upstream", "sm");
        var chain = new FilterChainConfig(
            node.Required("name").AsString(),
            node.Optional("server_names")?.AsStringList() ?? [],
            node.Required("certificates").AsList().Select(ReadCertificate).ToArray(),
            ReadProfile(node.Optional("tls")),
            ReadClientAuth(node.Optional("client_auth")),
            node.Optional("alpn")?.AsStringList() ?? [],
            ReadUpstream(node.Required("upstream")),
            node.Optional("match_alpn")?.AsStringList() ?? [],
            ReadShangMiMode(node.Optional("sm")));
        return chain;
    }

    private static ShangMiMode ReadShangMiMode(ConfigNode? node) => node?.AsString().ToLowerInvariant() switch
    {
        null or "prefer" => ShangMiMode.Prefer,
        "off" => ShangMiMode.Off,
        "require" => ShangMiMode.Require,
        string other => throw node.Error($"expected off, prefer or require, got '{other}'"),
    };

    private static CertificateConfig ReadCertificate(ConfigNode node)
    {
        node.AllowKeys("cert", "key", "key_passphrase", "pkcs11_module", "pkcs11_pin", "ocsp", "sds");
        if (node.Optional("sds") is { } sds)
        {
            node.AllowKeys("sds", "ocsp"); // the agent's key is a plain PEM: no passphrase, no token
            return new CertificateConfig("", "", null, null, null, ReadOcsp(node.Optional("ocsp")), ReadSds(sds));
        }

        ConfigNode key = node.Required("key");
        string keyText = key.AsString();
        var certificate = new CertificateConfig(
            node.Required("cert").AsPath(),
            PrivateKeySource.IsUri(keyText) ? keyText : key.AsPath(),
            node.Optional("key_passphrase")?.AsString(),
            node.Optional("pkcs11_module")?.AsPath(),
            node.Optional("pkcs11_pin")?.AsString(),
            ReadOcsp(node.Optional("ocsp")));
        return certificate;
    }

    private static SdsSourceConfig ReadSds(ConfigNode node)
    {
        node.AllowKeys("socket", "name");
        return new SdsSourceConfig(node.Required("socket").AsPath(), node.Required("name").AsString());
    }

    private static OcspConfig? ReadOcsp(ConfigNode? node)
    {
        if (node is null)
        {
            return null;
        }

        node.AllowKeys("staple_file", "responder");
        string? file = node.Optional("staple_file")?.AsPath();
        ConfigNode? responderNode = node.Optional("responder");
        string? responder = responderNode?.AsString();
        if ((file is null) == (responder is null))
        {
            throw node.Error("give exactly one of staple_file (a DER OCSP response) or responder (auto, or an http:// URL)");
        }

        Uri? url = null;
        if (responder is not null && responder != "auto"
            && (!Uri.TryCreate(responder, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw responderNode!.Error($"expected auto or an http(s) URL, got '{responder}'");
        }

        return new OcspConfig(file, url, responder is not null);
    }

    private static TlsProfileConfig ReadProfile(ConfigNode? node)
    {
        if (node is null)
        {
            return TlsProfileConfig.Default;
        }

        node.AllowKeys("min_version", "max_version", "cipher_suites", "cipher_list", "groups", "signature_algorithms");
        var profile = new TlsProfileConfig(
            node.Optional("min_version")?.AsString(),
            node.Optional("max_version")?.AsString(),
            node.Optional("cipher_suites")?.AsString(),
            node.Optional("cipher_list")?.AsString(),
            node.Optional("groups")?.AsString(),
            node.Optional("signature_algorithms")?.AsString());
        return profile;
    }

    private static ClientAuthConfig ReadClientAuth(ConfigNode? node)
    {
        if (node is null)
        {
            return ClientAuthConfig.Off;
        }

        node.AllowKeys("mode", "trust_bundle", "allowed_spiffe_ids", "allowed_trust_domains", "allowed_dns_names", "crl");
        ConfigNode modeNode = node.Required("mode");
        ClientCertificateMode mode = modeNode.AsString().ToLowerInvariant() switch
        {
            "off" or "false" => ClientCertificateMode.Off,
            "optional" => ClientCertificateMode.Optional,
            "required" => ClientCertificateMode.Required,
            string other => throw modeNode.Error($"expected off, optional or required, got '{other}'"),
        };
        var auth = new ClientAuthConfig(
            mode,
            node.Optional("trust_bundle")?.AsPath(),
            node.Optional("allowed_spiffe_ids")?.AsStringList() ?? [],
            node.Optional("allowed_trust_domains")?.AsStringList() ?? [],
            node.Optional("allowed_dns_names")?.AsStringList() ?? [],
            node.Optional("crl")?.AsPath());
        return auth;
    }

    private static UpstreamConfig ReadUpstream(ConfigNode node)
    {
        node.AllowKeys("endpoints", "balance", "connect_timeout", "eject_after_failures", "eject_for", "proxy_protocol", "tls");
        ConfigNode? balanceNode = node.Optional("balance");
        LoadBalancing balance = balanceNode?.AsString().ToLowerInvariant() switch
        {
            null or "round_robin" => LoadBalancing.RoundRobin,
            "least_connections" => LoadBalancing.LeastConnections,
            string other => throw balanceNode!.Error($"expected round_robin or least_connections, got '{other}'"),
        };
        var upstream = new UpstreamConfig(
            node.Required("endpoints").AsList().Select(e => e.AsEndpoint(requireIp: false)).ToArray(),
            balance,
            node.Optional("connect_timeout")?.AsDuration() ?? TimeSpan.FromSeconds(5),
            node.Optional("eject_after_failures")?.AsInt(1, 1000) ?? 3,
            node.Optional("eject_for")?.AsDuration() ?? TimeSpan.FromSeconds(30),
            node.Optional("proxy_protocol")?.AsBool() ?? false,
            ReadUpstreamTls(node.Optional("tls")));
        return upstream;
    }

    private static UpstreamTlsConfig? ReadUpstreamTls(ConfigNode? node)
    {
        if (node is null)
        {
            return null;
        }

        node.AllowKeys("trust_bundle", "server_name", "certificate", "allowed_spiffe_ids", "alpn", "crl", "profile");
        var tls = new UpstreamTlsConfig(
            node.Required("trust_bundle").AsPath(),
            node.Optional("server_name")?.AsString(),
            node.Optional("certificate") is { } certificate ? ReadCertificate(certificate) : null,
            node.Optional("allowed_spiffe_ids")?.AsStringList() ?? [],
            node.Optional("alpn")?.AsStringList() ?? [],
            node.Optional("crl")?.AsPath(),
            ReadProfile(node.Optional("profile")));
        if (tls.ServerName is null && tls.AllowedSpiffeIds.Count == 0)
        {
            throw node.Error("upstream TLS needs server_name (to check the upstream's name) or allowed_spiffe_ids (to check its SPIFFE ID); otherwise any certificate from the bundle would do");
        }

        return tls;
    }
}
