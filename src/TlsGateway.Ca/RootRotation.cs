using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// Root rotation without an outage (the order Istio's and SPIRE's operators follow by hand):
/// <list type="number">
/// <item>a new root and intermediate become the active generation; the previous one becomes
/// Retiring and signs nothing new, but its root stays in the trust bundle;</item>
/// <item>workloads renew, so their leaves move to the new intermediate; a client trusting the
/// bundle trusts both the old leaves and the new ones meanwhile;</item>
/// <item>once the last leaf the old generation signed has expired, it is Retired and its root
/// leaves the bundle (<see cref="AdvanceAsync"/>, run by `ca status` and periodically by the server).</item>
/// </list>
/// </summary>
public sealed class RootRotation(CertificateAuthority authority, CaLayout layout, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<CaGeneration> RotateAsync(CaSettings settings, CaKeyAccess access, CaBootstrap.Options options, CaCaller caller,
        CancellationToken cancellationToken = default)
    {
        CaGeneration created = await CaBootstrap.CreateGenerationAsync(authority.Store, layout, settings, access, options, caller.Name, _time,
            cancellationToken).ConfigureAwait(false);
        await authority.ReloadAsync(cancellationToken).ConfigureAwait(false);
        WriteBundle();
        return created;
    }

    /// <summary>Retires every Retiring generation none of whose leaves is still valid. Returns the ids retired.</summary>
    public async Task<IReadOnlyList<int>> AdvanceAsync(CancellationToken cancellationToken = default)
    {
        var retired = new List<int>();
        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<CaGeneration> generations = await authority.Store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false);
        int newestActive = generations.Where(g => g.State == CaGenerationState.Active).Select(g => g.Id).DefaultIfEmpty(0).Max();
        foreach (CaGeneration generation in generations)
        {
            // Two rotations racing (on two replicas) can leave two generations active; the newest
            // one signs (CaState), so any older active one is demoted here.
            if (generation.State == CaGenerationState.Active && generation.Id != newestActive)
            {
                await authority.Store.SaveGenerationAsync(generation with { State = CaGenerationState.Retiring },
                    new AuditEntry(AuditKinds.Rotate, "system", $"generation {generation.Id}", $"superseded by generation {newestActive}"),
                    cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (generation.State == CaGenerationState.Retiring
                && (await authority.Store.CountLiveCertificatesAsync(generation.Id, now, cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                await authority.Store.SaveGenerationAsync(generation with { State = CaGenerationState.Retired },
                    new AuditEntry(AuditKinds.Retire, "system", $"generation {generation.Id}", "every leaf it signed has expired; root removed from the trust bundle"),
                    cancellationToken).ConfigureAwait(false);
                retired.Add(generation.Id);
            }
        }

        if (retired.Count > 0 || generations.Count(g => g.State == CaGenerationState.Active) > 1)
        {
            await authority.ReloadAsync(cancellationToken).ConfigureAwait(false);
            WriteBundle();
        }

        return retired;
    }

    public async Task<IReadOnlyList<GenerationStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var result = new List<GenerationStatus>();
        foreach (CaGeneration generation in await authority.Store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false))
        {
            // Counted in the store, not read: this runs every few seconds in `ca serve`.
            LiveCertificates live = generation.State == CaGenerationState.Retired
                ? new LiveCertificates(0, null)
                : await authority.Store.CountLiveCertificatesAsync(generation.Id, now, cancellationToken).ConfigureAwait(false);
            CaCertificate root = CaCertificate.FromPem(generation.RootPem);
            result.Add(new GenerationStatus(generation, root.Fingerprint, root.NotAfter, live.Count, live.LastNotAfter));
        }

        return result;
    }

    /// <summary>Rewrites DIR/bundle.pem from the current snapshot (and the SM2 companion's roots, <see cref="CaLayout.WriteBundle"/>).</summary>
    public void WriteBundle() => layout.WriteBundle(authority.State.TrustBundlePem);
}
