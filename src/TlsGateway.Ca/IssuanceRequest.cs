using System.Net;
using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>A request to sign a CSR.</summary>
/// <param name="Csr">PEM or DER PKCS#10, as received.</param>
/// <param name="Identity">The SPIFFE ID to issue; null means the caller's own (workloads).</param>
/// <param name="Ttl">Requested lifetime; null means the policy default. Capped by policy.</param>
/// <param name="DnsNames">DNS SANs to add besides those the CSR asks for.</param>
/// <param name="IpAddresses">IP address SANs (operators only: `tlsgw up`'s localhost certificates; a CSR cannot ask for them).</param>
public sealed record IssuanceRequest(byte[] Csr, CaCaller Caller, SpiffeId? Identity = null, TimeSpan? Ttl = null, IReadOnlyList<string>? DnsNames = null,
    IReadOnlyList<IPAddress>? IpAddresses = null);
