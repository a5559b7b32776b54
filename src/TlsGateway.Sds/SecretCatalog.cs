using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TlsGateway.Sds;

/// <summary>
/// Every secret the agent serves, and who may read which: each caller its own `default`
/// (issued on first request, then kept fresh), everyone `ROOTCA`, and `session-ticket-keys`
/// and named certificates only callers whose policy lists them.
/// </summary>
public sealed class SecretCatalog : IAsyncDisposable
{
    private readonly IIdentityIssuer _issuer;
    private readonly AgentOptions _options;
    private readonly SdsStats _stats;
    private readonly ILogger _logger;
    private readonly SessionTicketKeys? _ticketKeys;
    private readonly ConcurrentDictionary<string, Lazy<ManagedIdentity>> _identities = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, NamedCertificate> _named;
    private readonly CancellationTokenSource _stop = new();
    private Task _bundleLoop = Task.CompletedTask;

    public SecretCatalog(IIdentityIssuer issuer, AgentOptions options, SessionTicketKeys? ticketKeys, IReadOnlyList<NamedCertificate> named,
        SdsStats stats, ILogger logger)
    {
        _issuer = issuer;
        _options = options;
        _ticketKeys = ticketKeys;
        _named = named.ToDictionary(n => n.Name, StringComparer.Ordinal);
        _stats = stats;
        _logger = logger;
        foreach (string name in _named.Keys.Where(n => n is SecretNames.Default or SecretNames.RootCa or SecretNames.SessionTicketKeys))
        {
            throw new FormatException($"a named certificate may not be called '{name}': that name is reserved");
        }
    }

    public TrustBundle Bundle { get; } = new();

    public SdsStats Stats => _stats;

    /// <summary>The shared session-ticket keys this agent serves, if it serves any.</summary>
    public SessionTicketKeys? TicketKeys => _ticketKeys;

    /// <summary>The identities kept fresh so far (default per caller identity, and named ones once asked for).</summary>
    public IEnumerable<ManagedIdentity> Identities => _identities.Values.Where(l => l.IsValueCreated).Select(l => l.Value);

    /// <summary>Loads the trust bundle and starts following root rotations.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Bundle.Update(await _issuer.GetTrustedRootsAsync(cancellationToken).ConfigureAwait(false));
        _ticketKeys?.Start();
        _bundleLoop = FollowBundleAsync(_stop.Token);
    }

    /// <summary>The cell serving NAME to CALLER, or a refusal naming why.</summary>
    public (SecretCell? Cell, string? Refusal) Resolve(SdsCaller caller, string name)
    {
        switch (name)
        {
            case SecretNames.Default:
                return (Identity(SecretNames.Default, caller.Identity.ToString(), () => new NamedCertificate(SecretNames.Default, caller.Identity, [])).Cell, null);
            case SecretNames.RootCa:
                return (Bundle.Cell, null);
            case SecretNames.SessionTicketKeys when _ticketKeys is null:
                return (null, "this agent does not serve session-ticket keys");
            case SecretNames.SessionTicketKeys:
                return caller.ExtraResources.Contains(name) ? (_ticketKeys.Cell, null) : (null, $"{caller.Identity} may not read session-ticket-keys");
        }

        if (!_named.TryGetValue(name, out NamedCertificate? named))
        {
            return (null, $"no secret is named '{TlsGateway.Identity.SafeText.Of(name)}'");
        }

        return caller.ExtraResources.Contains(name)
            ? (Identity(name, "named:" + name, () => named).Cell, null)
            : (null, $"{caller.Identity} may not read '{name}'");
    }

    /// <summary>Renews every identity now (operator rotation, or a revocation of what is served).</summary>
    public void RenewAll()
    {
        foreach (ManagedIdentity identity in Identities)
        {
            identity.RenewNow();
        }
    }

    private ManagedIdentity Identity(string resource, string key, Func<NamedCertificate> spec) =>
        _identities.GetOrAdd(key, _ => new Lazy<ManagedIdentity>(() =>
        {
            NamedCertificate wanted = spec();
            AgentOptions options = wanted.KeyType is string keyType ? _options with { KeyType = keyType } : _options;
            var identity = new ManagedIdentity(resource, wanted.Identity, wanted.DnsNames, _issuer, options, _stats, _logger);
            identity.RootsSeen += roots => UpdateBundle(roots);
            identity.Start();
            return identity;
        })).Value;

    private async Task FollowBundleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.BundleRefresh);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (UpdateBundle(await _issuer.GetTrustedRootsAsync(cancellationToken).ConfigureAwait(false)))
                    {
                        // New roots usually mean a new signing generation: move every identity onto it.
                        RenewAll();
                    }

                    await ReplaceRevokedAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IdentityIssuerException e)
                {
                    _logger.LogWarning("Could not refresh the trust bundle: {Reason}", e.Message);
                }
                catch (Storage.StoreException e)
                {
                    _logger.LogWarning("Could not check served certificates for revocation: {Reason}", e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // This loop is what carries root rotations and revocations to sidecars: it must outlive any one failure.
                    _logger.LogError(e, "Trust bundle and revocation check failed; trying again at the next tick");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A served certificate that was revoked (a compromised key, an operator's order) is replaced now, not at its renewal.</summary>
    private async Task ReplaceRevokedAsync(CancellationToken cancellationToken)
    {
        List<ManagedIdentity> served = Identities.Where(i => i.Serial is not null).ToList();
        if (served.Count == 0)
        {
            return;
        }

        IReadOnlySet<string> revoked = await _issuer.FindRevokedAsync(served.Select(i => i.Serial!).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (ManagedIdentity identity in served.Where(i => revoked.Contains(i.Serial!)))
        {
            _logger.LogWarning("The certificate served as {Resource} for {Identity} (serial {Serial}) was revoked; replacing it now",
                identity.Cell.Name, identity.Identity, identity.Serial);
            identity.RenewNow();
        }
    }

    private bool UpdateBundle(IReadOnlyList<byte[]> roots)
    {
        if (!Bundle.Update(roots))
        {
            return false;
        }

        SdsLog.BundleChanged(_logger, roots.Count, Bundle.Cell.Current!.Version);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _bundleLoop.ConfigureAwait(false);
        foreach (ManagedIdentity identity in Identities)
        {
            await identity.DisposeAsync().ConfigureAwait(false);
        }

        if (_ticketKeys is not null)
        {
            await _ticketKeys.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
