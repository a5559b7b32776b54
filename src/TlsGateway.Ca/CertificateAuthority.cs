using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// Issues X.509-SVIDs from CSRs and revokes them. Every decision — issue or deny — lands in the
/// audit log; an issued certificate and its audit event are committed together. The generation
/// snapshot (<see cref="CaState"/>) is swapped whole by <see cref="ReloadAsync"/> after a rotation.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private const int SerialAttempts = 3;

    private readonly ICaStore _store;
    private readonly CaKeyAccess _keyAccess;
    private readonly TimeProvider _time;
    private readonly bool _openKeys;
    private CaState _state;

    private CertificateAuthority(ICaStore store, string trustDomain, CaKeyAccess keyAccess, IssuancePolicy policy, TimeProvider time, CaState state,
        bool openKeys)
    {
        _openKeys = openKeys;
        _store = store;
        TrustDomain = trustDomain;
        _keyAccess = keyAccess;
        Policy = policy;
        _time = time;
        _state = state;
    }

    public string TrustDomain { get; }

    /// <summary>Raised after certificates were revoked through this instance (CRL caches listen).</summary>
    public event Action<IReadOnlyList<string>>? Revoked;

    public IssuancePolicy Policy { get; }

    public ICaStore Store => _store;

    public CaState State => Volatile.Read(ref _state);

    /// <param name="openKeys">
    /// False for read-only uses (listing, status, bundles): no signing key is unlocked, no
    /// passphrase is needed, and issuing, CRLs and OCSP answers are unavailable.
    /// </param>
    public static async Task<CertificateAuthority> OpenAsync(ICaStore store, string trustDomain, CaKeyAccess keyAccess,
        IssuancePolicy? policy = null, TimeProvider? time = null, CancellationToken cancellationToken = default, bool openKeys = true)
    {
        if (SpiffeId.CheckTrustDomain(trustDomain) is string error)
        {
            throw new CaException(error);
        }

        CaState state = await LoadStateAsync(store, keyAccess, openKeys, cancellationToken).ConfigureAwait(false);
        await AuditKeyUseAsync(store, state, cancellationToken).ConfigureAwait(false);
        return new CertificateAuthority(store, trustDomain, keyAccess, policy ?? IssuancePolicy.Default, time ?? TimeProvider.System, state, openKeys);
    }

    /// <summary>Re-reads the generations (after a rotation, here or by another replica) and swaps the snapshot.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        CaState next = await LoadStateAsync(_store, _keyAccess, _openKeys, cancellationToken).ConfigureAwait(false);
        // The old snapshot is not disposed here: a signature may be in flight on its keys. Its
        // SafeHandles are released by the finalizer once nothing references it.
        Volatile.Write(ref _state, next);
    }

    /// <summary>
    /// Reloads only when the stored generations differ from the snapshot (a rotation or
    /// retirement done by the CLI or another replica). Returns whether it reloaded.
    /// </summary>
    public async Task<bool> ReloadIfChangedAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CaGeneration> stored = await _store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false);
        IEnumerable<(int, CaGenerationState)> Key(IEnumerable<CaGeneration> g) => g.Select(x => (x.Id, x.State));
        if (Key(stored).SequenceEqual(Key(State.Generations.Select(g => g.Generation))))
        {
            return false;
        }

        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<IssuedIdentity> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken = default)
    {
        CaState state = State;
        SpiffeId? identity = request.Identity ?? request.Caller.Workload;
        long startedAt = Stopwatch.GetTimestamp();
        try
        {
            CaGenerationKeys active = state.Active is { Signer: not null } a
                ? a
                : throw new IssuanceDeniedException(DenialReason.CaUnavailable, "the CA has no active signing key (run `tlsgw ca init`)");
            CsrContents csr = CsrParser.Parse(request.Csr);
            identity = ResolveIdentity(request, csr);
            List<string> dnsNames = ResolveDnsNames(request, csr);
            IReadOnlyList<IPAddress> addresses = ResolveIpAddresses(request);
            (DateTimeOffset notBefore, DateTimeOffset notAfter) = Validity(request.Ttl, active.Intermediate);
            IssuedIdentity issued = await SignAndRecordAsync(state, active, csr, identity, dnsNames, addresses, notBefore, notAfter, request.Caller,
                cancellationToken)
                .ConfigureAwait(false);
            CaMetrics.Issued.Add(1);
            CaMetrics.IssueDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
            return issued;
        }
        catch (StoreException)
        {
            CaMetrics.StoreError("issue");
            throw;
        }
        catch (IssuanceDeniedException denied)
        {
            CaMetrics.Denied.Add(1, new KeyValuePair<string, object?>("reason", CaMetrics.Label(denied.Reason)));
            await _store.AppendAuditAsync(
                new AuditEntry(AuditKinds.Deny, request.Caller.Name, identity?.ToString() ?? "-", $"{denied.Reason}: {denied.Message}"),
                cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<IssuedIdentity> SignAndRecordAsync(CaState state, CaGenerationKeys active, CsrContents csr, SpiffeId identity,
        List<string> dnsNames, IReadOnlyList<IPAddress> addresses, DateTimeOffset notBefore, DateTimeOffset notAfter, CaCaller caller,
        CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            BigInteger serial = SerialNumber.New();
            long signingStarted = Stopwatch.GetTimestamp();
            byte[] der = CertificateTemplates.Leaf(active.Signer!, active.Intermediate, csr.PublicKey, csr.IsRsaKey,
                identity, dnsNames, addresses, serial, notBefore, notAfter);
            CaMetrics.SigningDuration.Record(Stopwatch.GetElapsedTime(signingStarted).TotalSeconds);
            string serialText = SerialNumber.ToText(serial);
            // The ledger stores the validity as written in the certificate (whole seconds).
            var row = new IssuedCertificate(serialText, identity.ToString(), WholeSeconds(notBefore), WholeSeconds(notAfter),
                Convert.ToHexStringLower(SHA256.HashData(der)), active.Id, der);
            string detail = $"{identity} generation={active.Id} notAfter={row.NotAfter:O}"
                + (dnsNames.Count > 0 ? $" dns={string.Join(',', dnsNames)}" : "")
                + (addresses.Count > 0 ? $" ip={string.Join(',', addresses)}" : "");
            try
            {
                await _store.RecordIssuanceAsync(row, new AuditEntry(AuditKinds.Issue, caller.Name, serialText, detail), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (DuplicateSerialException) when (attempt < SerialAttempts)
            {
                continue; // 2^-127 per pair; a repeat means a broken RNG or a replayed store, so try a few times only
            }

            return new IssuedIdentity(serialText, identity.ToString(), row.NotBefore, row.NotAfter, der,
                active.IssuedChain, state.TrustedRoots);
        }
    }

    private SpiffeId ResolveIdentity(IssuanceRequest request, CsrContents csr)
    {
        if (csr.UriNames.Count > 1)
        {
            throw new IssuanceDeniedException(DenialReason.IdentityMismatch, "the CSR asks for more than one URI SAN; an X.509-SVID has exactly one");
        }

        SpiffeId? fromCsr = null;
        if (csr.UriNames.Count == 1 && !SpiffeId.TryParse(csr.UriNames[0], out fromCsr, out string? csrError))
        {
            throw new IssuanceDeniedException(DenialReason.InvalidIdentity, $"the CSR's URI SAN is not a valid SPIFFE ID: {csrError}");
        }

        SpiffeId identity;
        if (request.Caller.IsOperator)
        {
            identity = request.Identity ?? fromCsr
                ?? throw new IssuanceDeniedException(DenialReason.InvalidIdentity, "no SPIFFE ID given (pass --spiffe-id or put it in the CSR)");
        }
        else
        {
            SpiffeId caller = request.Caller.Workload
                ?? throw new IssuanceDeniedException(DenialReason.IdentityMismatch, "the caller has no workload identity");
            if (request.Identity is not null && !request.Identity.Equals(caller))
            {
                throw new IssuanceDeniedException(DenialReason.IdentityMismatch, $"{caller} may not request {request.Identity}");
            }

            identity = caller;
        }

        if (fromCsr is not null && !fromCsr.Equals(identity))
        {
            throw new IssuanceDeniedException(DenialReason.IdentityMismatch, $"the CSR asks for {fromCsr} but the request is for {identity}");
        }

        if (identity.TrustDomain != TrustDomain)
        {
            throw new IssuanceDeniedException(DenialReason.InvalidIdentity, $"{identity} is not in trust domain {TrustDomain}");
        }

        if (!identity.IsWorkload)
        {
            throw new IssuanceDeniedException(DenialReason.InvalidIdentity, $"{identity} has no path; a workload ID needs one (spiffe://{TrustDomain}/ns/NS/sa/SA)");
        }

        return identity;
    }

    private static IReadOnlyList<IPAddress> ResolveIpAddresses(IssuanceRequest request)
    {
        IReadOnlyList<IPAddress> addresses = request.IpAddresses ?? [];
        // Workloads name themselves by SPIFFE ID and DNS; an address is a host's, which only an operator can vouch for.
        return addresses.Count == 0 || request.Caller.IsOperator
            ? addresses
            : throw new IssuanceDeniedException(DenialReason.DnsNameNotAllowed, "IP address SANs are issued to operators only");
    }

    private List<string> ResolveDnsNames(IssuanceRequest request, CsrContents csr)
    {
        List<string> names = csr.DnsNames.Concat(request.DnsNames ?? []).Select(n => n.ToLowerInvariant()).Distinct().ToList();
        if (names.Count > Policy.MaxDnsNames)
        {
            throw new IssuanceDeniedException(DenialReason.DnsNameNotAllowed, $"{names.Count} DNS names requested; the limit is {Policy.MaxDnsNames}");
        }

        foreach (string name in names)
        {
            if (DnsNamePolicy.Check(name) is string error)
            {
                throw new IssuanceDeniedException(DenialReason.DnsNameNotAllowed, error);
            }

            if (!request.Caller.IsOperator && !DnsNamePolicy.Matches(name, Policy.WorkloadDnsNames))
            {
                throw new IssuanceDeniedException(DenialReason.DnsNameNotAllowed, $"DNS name '{SafeText.Of(name)}' is not allowed for workloads by the CA policy");
            }
        }

        return names;
    }

    private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Validity(TimeSpan? requested, CaCertificate issuer)
    {
        TimeSpan ttl = requested ?? Policy.DefaultTtl;
        if (ttl <= TimeSpan.Zero)
        {
            throw new IssuanceDeniedException(DenialReason.InvalidTtl, $"the requested lifetime {ttl} is not positive");
        }

        ttl = ttl > Policy.MaxTtl ? Policy.MaxTtl : ttl;
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset notBefore = Max(now - Policy.Backdate, issuer.NotBefore);
        // A leaf never outlives its issuer (RFC 5280 §6.1.3 would reject it after that anyway).
        DateTimeOffset notAfter = Min(now + ttl, issuer.NotAfter);
        if (notAfter <= now)
        {
            throw new IssuanceDeniedException(DenialReason.CaUnavailable, "the CA's intermediate certificate has expired; rotate the CA");
        }

        return (notBefore, notAfter);
    }

    /// <summary>Revokes the given serials; returns those that changed state (already revoked ones are not repeated).</summary>
    public async Task<IReadOnlyList<string>> RevokeAsync(IReadOnlyList<string> serials, RevocationReason reason, CaCaller caller,
        CancellationToken cancellationToken = default)
    {
        var audit = new AuditEntry(AuditKinds.Revoke, caller.Name, string.Join(',', serials), $"reason={reason}");
        IReadOnlyList<string> revoked;
        try
        {
            revoked = await _store.RevokeAsync(serials, reason, _time.GetUtcNow(), audit, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException)
        {
            CaMetrics.StoreError("revoke");
            throw;
        }

        if (revoked.Count > 0)
        {
            CaMetrics.Revoked.Add(revoked.Count, new KeyValuePair<string, object?>("reason", CaMetrics.Label(reason)));
            Revoked?.Invoke(revoked);
        }

        return revoked;
    }

    /// <summary>Revokes every unexpired, active certificate of one identity.</summary>
    public async Task<IReadOnlyList<string>> RevokeIdentityAsync(SpiffeId identity, RevocationReason reason, CaCaller caller,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<IssuedCertificate> current = await _store.ListCertificatesAsync(
            new CertificateQuery(SpiffeId: identity.ToString(), Status: CertificateStatus.Active, NotAfterAfter: _time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
        return current.Count == 0 ? [] : await RevokeAsync(current.Select(c => c.Serial).ToList(), reason, caller, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<CaState> LoadStateAsync(ICaStore store, CaKeyAccess keyAccess, bool openKeys, CancellationToken cancellationToken)
    {
        IReadOnlyList<CaGeneration> generations = await store.ListGenerationsAsync(cancellationToken).ConfigureAwait(false);
        var opened = new List<CaGenerationKeys>(generations.Count);
        try
        {
            foreach (CaGeneration generation in generations)
            {
                bool previousRootTrusted = generations.Any(g => g.Id < generation.Id && g.State != CaGenerationState.Retired);
                bool signs = generation.State == CaGenerationState.Active;
                try
                {
                    opened.Add(CaGenerationKeys.Open(generation, keyAccess, previousRootTrusted, openKeys));
                }
                catch (CaException) when (!signs)
                {
                    // A retiring generation's key only signs its CRL and OCSP answers; a replica
                    // that cannot open it (another host's key file) still issues with the active one.
                    opened.Add(CaGenerationKeys.Open(generation, keyAccess, previousRootTrusted, openKey: false));
                }
            }
        }
        catch
        {
            opened.ForEach(g => g.Dispose());
            throw;
        }

        return new CaState(opened);
    }

    /// <summary>
    /// Every process that unlocks CA signing keys says so in the audit log: who (the OS user),
    /// which generations, from where (file or token), and its pid.
    /// </summary>
    private static async Task AuditKeyUseAsync(ICaStore store, CaState state, CancellationToken cancellationToken)
    {
        List<CaGenerationKeys> unlocked = state.Generations.Where(g => g.Signer is not null).ToList();
        if (unlocked.Count == 0)
        {
            return;
        }

        string where = string.Join(", ", unlocked.Select(g =>
            $"generation {g.Id} from {(Crypto.PrivateKeySource.IsUri(g.Generation.KeyLocation) ? "a PKCS#11 token" : "an encrypted key file")}"));
        await store.AppendAuditAsync(
            new AuditEntry(AuditKinds.KeyUse, CaCaller.CurrentOperator.Name, string.Join(',', unlocked.Select(g => $"generation {g.Id}")),
                $"signing keys opened by pid {Environment.ProcessId}: {where}"),
            cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public void Dispose() => State.Dispose();
}
