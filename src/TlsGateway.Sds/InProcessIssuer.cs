using TlsGateway.Ca;
using TlsGateway.Storage;

namespace TlsGateway.Sds;

/// <summary>
/// The agent and the CA in one process (`tlsgw up`): CSRs go straight to
/// <see cref="CertificateAuthority"/>. The agent has already authenticated the workload (peer
/// credentials and policy), so it asks as that workload; certificates named in config with DNS
/// names are the operator's own request and are asked for as such.
/// </summary>
public sealed class InProcessIssuer(CertificateAuthority authority) : IIdentityIssuer
{
    public async Task<IssuedChain> IssueAsync(IdentityRequest request, CancellationToken cancellationToken)
    {
        CaCaller caller = request.DnsNames.Count == 0
            ? new CaCaller($"sds:{request.Identity}", request.Identity, IsOperator: false)
            : CaCaller.ForOperator("sds-config");
        try
        {
            IssuedIdentity issued = await authority.IssueAsync(
                new IssuanceRequest(request.Csr, caller, request.Identity, request.Ttl, request.DnsNames), cancellationToken).ConfigureAwait(false);
            return new IssuedChain([issued.Certificate, .. issued.Chain], issued.TrustedRoots, issued.NotBefore, issued.NotAfter);
        }
        catch (IssuanceDeniedException e)
        {
            throw new IdentityIssuerException($"the CA refused {request.Identity}: {e.Message}", retryable: e.Reason == DenialReason.CaUnavailable, e);
        }
        catch (StoreException e)
        {
            throw new IdentityIssuerException($"the CA's store failed: {e.Message}", retryable: true, e);
        }
    }

    public Task<IReadOnlyList<byte[]>> GetTrustedRootsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(authority.State.TrustedRoots);

    /// <summary>
    /// Checks the serials against the CA's ledger, so a revocation made by any process (the CLI,
    /// another replica) is seen. One query for the unexpired revoked certificates (the CRL's
    /// contents, small) per call, however many certificates the agent serves.
    /// </summary>
    public async Task<IReadOnlySet<string>> FindRevokedAsync(IReadOnlyCollection<string> serials, CancellationToken cancellationToken)
    {
        IReadOnlyList<IssuedCertificate> revoked = await authority.Store.ListCertificatesAsync(
            new CertificateQuery(Status: CertificateStatus.Revoked, NotAfterAfter: DateTimeOffset.UtcNow, Limit: int.MaxValue), cancellationToken)
            .ConfigureAwait(false);
        var served = new HashSet<string>(serials, StringComparer.Ordinal);
        served.IntersectWith(revoked.Select(c => c.Serial));
        return served;
    }
}
