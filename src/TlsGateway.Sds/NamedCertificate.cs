using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>A certificate named in config (an edge filter chain's), served as SDS resource NAME to callers whose rule lists it.</summary>
public sealed record NamedCertificate(string Name, SpiffeId Identity, IReadOnlyList<string> DnsNames);
