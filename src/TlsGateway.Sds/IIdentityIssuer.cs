using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// Where the agent gets certificates: the CA in this process (<see cref="InProcessIssuer"/>) or
/// a remote one over the Istio CA API (<see cref="IstioCaClient"/>). The agent generates the key
/// and the CSR; the issuer only signs.
/// </summary>
public interface IIdentityIssuer
{
    /// <summary>Signs <paramref name="request"/>'s CSR for its identity. Throws <see cref="IdentityIssuerException"/> when refused or unreachable.</summary>
    Task<IssuedChain> IssueAsync(IdentityRequest request, CancellationToken cancellationToken);

    /// <summary>Every root currently trusted (old and new during a root rotation), DER.</summary>
    Task<IReadOnlyList<byte[]>> GetTrustedRootsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Which of these serials (ledger form, lower-case hex) the CA has revoked, so the agent can
    /// replace them at once. An issuer that cannot tell (the Istio CA API has no such call)
    /// answers none; those certificates are replaced at their normal renewal.
    /// </summary>
    Task<IReadOnlySet<string>> FindRevokedAsync(IReadOnlyCollection<string> serials, CancellationToken cancellationToken);
}

/// <param name="Csr">PEM or DER PKCS#10 for a key the agent holds.</param>
/// <param name="Identity">The workload's SPIFFE ID, as the agent authenticated it.</param>
/// <param name="DnsNames">DNS SANs (named edge certificates from config).</param>
public sealed record IdentityRequest(byte[] Csr, SpiffeId Identity, IReadOnlyList<string> DnsNames, TimeSpan? Ttl);

/// <summary>A signed certificate: the leaf and intermediates as DER, leaf first, and the roots the CA trusts now.</summary>
public sealed record IssuedChain(IReadOnlyList<byte[]> Chain, IReadOnlyList<byte[]> TrustedRoots, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <summary>The issuer refused or could not be reached; the message names why and never holds key material.</summary>
public sealed class IdentityIssuerException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>False when asking again cannot help (the identity is denied by policy).</summary>
    public bool Retryable { get; } = retryable;
}
