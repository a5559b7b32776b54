using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>The `agent` section of tlsgw.yaml: where certificates come from, where SDS is served, who gets what.</summary>
/// <param name="TicketKeyFile">Where the shared session-ticket keys live; null serves none.</param>
public sealed record AgentConfig(
    AgentCaConfig Ca,
    string SocketPath,
    AgentOptions Options,
    string? TicketKeyFile,
    IReadOnlyList<WorkloadRule> Policy,
    IReadOnlyList<NamedCertificate> Certificates);

/// <summary>
/// The CA the agent asks: the one in DataDirectory, in this process (as `tlsgw up` does), or a
/// remote one at Address over the Istio CA API, trusted through Bundle, enrolled with the
/// one-time token in TokenFile as AgentIdentity, and afterwards with the agent's own certificate
/// kept in IdentityDirectory.
/// </summary>
public sealed record AgentCaConfig(string? DataDirectory, Uri? Address, string? Bundle, string? TokenFile, string? IdentityDirectory, string? ClusterId,
    SpiffeId? AgentIdentity = null)
{
    public bool IsLocal => DataDirectory is not null;
}
