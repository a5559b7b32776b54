using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>A certificate named in config (an edge filter chain's), served as SDS resource NAME to callers whose rule lists it.</summary>
/// <param name="KeyType">A <see cref="Ca.WorkloadKey.Types"/> name; null means the agent's <see cref="AgentOptions.KeyType"/>.</param>
public sealed record NamedCertificate(string Name, SpiffeId Identity, IReadOnlyList<string> DnsNames, string? KeyType = null);
