using System.Globalization;
using TlsGateway.Ca;
using TlsGateway.Config;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// Reads the `agent` section of tlsgw.yaml (docs/config.md, "agent"). Every error names the
/// file, line and key path; relative paths are relative to the config file.
/// </summary>
public static class AgentConfigReader
{
    public static AgentConfig ReadFile(string path) => Read(ConfigDocument.ReadFile(path));

    public static AgentConfig Read(string file, string text) => Read(ConfigDocument.Parse(file, text));

    private static AgentConfig Read(ConfigNode root)
    {
        ConfigNode agent = root.Required("agent");
        agent.AllowKeys("ca", "sds_socket", "workload_ttl", "renew_at", "key_type", "ticket_keys", "policy", "certificates");
        AgentOptions options = AgentOptions.Default;
        if (agent.Optional("key_type") is { } keyType)
        {
            options = options with { KeyType = KeyType(keyType) };
        }

        if (agent.Optional("workload_ttl") is { } ttl)
        {
            options = options with { WorkloadTtl = ttl.AsDuration() };
        }

        if (agent.Optional("renew_at") is { } renewAt)
        {
            options = options with { RenewAtFraction = Fraction(renewAt) };
        }

        string? ticketFile = null;
        if (agent.Optional("ticket_keys") is { } tickets)
        {
            tickets.AllowKeys("file", "rotation", "keep");
            ticketFile = tickets.Required("file").AsPath();
            options = options with
            {
                TicketKeyRotation = tickets.Optional("rotation")?.AsDuration() ?? options.TicketKeyRotation,
                TicketKeysKept = tickets.Optional("keep")?.AsInt(3, 16) ?? options.TicketKeysKept,
            };
        }

        IReadOnlyList<NamedCertificate> certificates = agent.Optional("certificates")?.AsList().Select(ReadCertificate).ToList() ?? [];
        IReadOnlyList<WorkloadRule> policy = agent.Required("policy").AsList().Select(ReadRule).ToList();
        var known = new HashSet<string>(certificates.Select(c => c.Name).Append(SecretNames.SessionTicketKeys), StringComparer.Ordinal);
        ConfigNode policyNode = agent.Required("policy");
        for (int i = 0; i < policy.Count; i++)
        {
            foreach (string resource in policy[i].Resources.Where(r => !known.Contains(r)))
            {
                throw policyNode.AsList()[i].Required("resources").Error(
                    $"'{resource}' is neither session-ticket-keys nor a certificate named under agent.certificates");
            }
        }

        if (ticketFile is null && policy.Any(r => r.Resources.Contains(SecretNames.SessionTicketKeys)))
        {
            throw policyNode.Error("a rule grants session-ticket-keys but agent.ticket_keys.file is not set");
        }

        return new AgentConfig(ReadCa(agent.Required("ca")), agent.Required("sds_socket").AsPath(), options, ticketFile, policy, certificates);
    }

    private static AgentCaConfig ReadCa(ConfigNode ca)
    {
        ca.AllowKeys("data", "address", "bundle", "token_file", "identity_dir", "cluster_id", "identity");
        if (ca.Optional("data") is { } data)
        {
            if (ca.Has("address"))
            {
                throw ca.Error("give either 'data' (the CA in this process) or 'address' (a remote CA), not both");
            }

            return new AgentCaConfig(data.AsPath(), null, null, null, null, null);
        }

        ConfigNode addressNode = ca.Required("address");
        if (!Uri.TryCreate(addressNode.AsString(), UriKind.Absolute, out Uri? address) || address.Scheme != Uri.UriSchemeHttps)
        {
            throw addressNode.Error($"expected an https:// URL of the CA's gRPC port (e.g. https://ca.example.org:15012), got '{addressNode.AsString()}'");
        }

        ConfigNode identityNode = ca.Required("identity");
        if (!SpiffeId.TryParse(identityNode.AsString(), out SpiffeId? identity, out string? error) || !identity.IsWorkload)
        {
            throw identityNode.Error($"the agent's own SPIFFE ID (the one its bootstrap token enrols): {error ?? "it needs a path"}");
        }

        return new AgentCaConfig(null, address, ca.Required("bundle").AsPath(), ca.Optional("token_file")?.AsPath(),
            ca.Required("identity_dir").AsPath(), ca.Optional("cluster_id")?.AsString(), identity);
    }

    private static WorkloadRule ReadRule(ConfigNode rule)
    {
        rule.AllowKeys("uid", "gid", "user", "executable", "identity", "resources");
        string identity = rule.Required("identity").AsString();
        try
        {
            var parsed = new WorkloadRule(
                rule.Optional("uid") is { } uid ? (uint)uid.AsInt(0, int.MaxValue) : null,
                rule.Optional("gid") is { } gid ? (uint)gid.AsInt(0, int.MaxValue) : null,
                rule.Optional("user")?.AsString(),
                rule.Optional("executable")?.AsPath(),
                identity,
                rule.Optional("resources")?.AsStringList() ?? []);
            _ = new WorkloadPolicy([parsed]); // the same checks the agent makes, reported at this rule's line
            return parsed;
        }
        catch (FormatException e)
        {
            throw rule.Error(e.Message);
        }
    }

    private static NamedCertificate ReadCertificate(ConfigNode node)
    {
        node.AllowKeys("name", "identity", "dns", "key_type");
        string name = node.Required("name").AsString();
        if (name is SecretNames.Default or SecretNames.RootCa or SecretNames.SessionTicketKeys)
        {
            throw node.Required("name").Error($"'{name}' is a reserved SDS resource name");
        }

        ConfigNode identityNode = node.Required("identity");
        if (!SpiffeId.TryParse(identityNode.AsString(), out SpiffeId? identity, out string? error) || !identity.IsWorkload)
        {
            throw identityNode.Error(error ?? "a workload SPIFFE ID needs a path");
        }

        return new NamedCertificate(name, identity, node.Optional("dns")?.AsStringList() ?? [], node.Optional("key_type") is { } keyType ? KeyType(keyType) : null);
    }

    private static string KeyType(ConfigNode node)
    {
        string value = node.AsString();
        return WorkloadKey.IsKnown(value)
            ? value
            : throw node.Error($"unknown key type '{SafeText.Of(value)}' (use one of: {string.Join(", ", WorkloadKey.Types)})");
    }

    private static double Fraction(ConfigNode node)
    {
        if (!double.TryParse(node.AsString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value is <= 0.1 or >= 0.9)
        {
            throw node.Error($"expected a fraction of the lifetime between 0.1 and 0.9, got '{node.AsString()}'");
        }

        return value;
    }
}
