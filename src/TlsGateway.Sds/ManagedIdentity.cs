using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Tls;
using TlsGateway.Identity;
using Google.Protobuf;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// One certificate the agent keeps fresh and publishes as an SDS TlsCertificate: a new key and
/// CSR each time, renewed once <see cref="AgentOptions.RenewAtFraction"/> (jittered) of the
/// lifetime has passed. When the CA cannot be reached the current certificate keeps being
/// served and renewal is retried with capped exponential backoff; a certificate that expires
/// meanwhile is withdrawn, never served expired.
/// </summary>
public sealed class ManagedIdentity : IAsyncDisposable
{
    private static readonly TimeSpan s_minimumRetry = TimeSpan.FromMilliseconds(200);

    private readonly IIdentityIssuer _issuer;
    private readonly AgentOptions _options;
    private readonly SdsStats _stats;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _renewNow = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public ManagedIdentity(string resourceName, SpiffeId identity, IReadOnlyList<string> dnsNames, IIdentityIssuer issuer, AgentOptions options,
        SdsStats stats, ILogger logger, TimeProvider? time = null)
    {
        Identity = identity;
        DnsNames = dnsNames;
        _issuer = issuer;
        _options = options;
        _stats = stats;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Cell = new SecretCell(resourceName);
    }

    public SpiffeId Identity { get; }

    public IReadOnlyList<string> DnsNames { get; }

    public SecretCell Cell { get; }

    /// <summary>The serial of the certificate served now (ledger form); null when none is.</summary>
    public string? Serial => Cell.Current?.Version;

    /// <summary>When the served certificate expires; null before the first issuance.</summary>
    public DateTimeOffset? NotAfter { get; private set; }

    /// <summary>Raised with the trust bundle each issuance came with (the CA's view of the roots).</summary>
    public event Action<IReadOnlyList<byte[]>>? RootsSeen;

    public void Start() => _loop = RunAsync(_stop.Token);

    /// <summary>Asks for a new certificate now (operator rotation, or the current one was revoked).</summary>
    public void RenewNow()
    {
        try
        {
            _renewNow.Release();
        }
        catch (SemaphoreFullException)
        {
            // a renewal is already requested
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        TimeSpan retry = _options.RetryInitial;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                DateTimeOffset issuedAt = _time.GetUtcNow();
                (IssuedChain issued, SecretResource resource) = await IssueAsync(cancellationToken).ConfigureAwait(false);
                NotAfter = issued.NotAfter;
                retry = _options.RetryInitial;
                wait = RenewalDelay(issuedAt, issued.NotAfter);
                // Logged before the push, so the line's timestamp marks the start of the fan-out.
                SdsLog.Issued(_logger, Cell.Name, Identity.ToString(), issued.NotAfter, wait);
                Cell.Publish(resource);
                _stats.Issued(Cell.Name);
                RootsSeen?.Invoke(issued.TrustedRoots);
            }
            catch (IdentityIssuerException e) when (!cancellationToken.IsCancellationRequested)
            {
                _stats.RenewalFailed(Cell.Name);
                if (!e.Retryable && NotAfter is null)
                {
                    // Refused outright: nothing will change that until the policy does; say so to subscribers.
                    Cell.Fail(e.Message);
                }

                wait = WithdrawIfExpired(retry);
                SdsLog.RenewalFailed(_logger, Cell.Name, Identity.ToString(), e.Message, wait);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, _options.RetryCap.Ticks));
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(IssuedChain Issued, SecretResource Resource)> IssueAsync(CancellationToken cancellationToken)
    {
        (byte[] csr, string keyPem) = WorkloadKey.NewKeyAndCsr(_options.KeyType, Identity, DnsNames);
        IssuedChain issued = await _issuer.IssueAsync(new IdentityRequest(csr, Identity, DnsNames, _options.WorkloadTtl), cancellationToken)
            .ConfigureAwait(false);
        DateTimeOffset now = _time.GetUtcNow();
        if (issued.NotAfter <= now)
        {
            // A CA whose clock is behind this host's by more than the lifetime: renewing "at half
            // its life" would be now, and again, and again. Counted and retried with backoff instead.
            throw new IdentityIssuerException(
                $"the CA issued a certificate that had expired before it arrived (NotAfter {issued.NotAfter:O}, here it is {now:O}): is the CA's clock or this host's wrong?",
                retryable: true);
        }

        string chainPem = PemText.EncodeAll("CERTIFICATE", issued.Chain);
        var secret = new EnvoySecret
        {
            Name = Cell.Name,
            TlsCertificate = new TlsCertificate
            {
                CertificateChain = new DataSource { InlineBytes = ByteString.CopyFromUtf8(chainPem) },
                PrivateKey = new DataSource { InlineBytes = ByteString.CopyFromUtf8(keyPem) },
            },
        };
        // The leaf's serial (ledger form) is a fine version: unique per certificate, and it says which one is served.
        return (issued, new SecretResource(secret, SerialNumber.ToText(new CaCertificate(issued.Chain[0]).Certificate.SerialNumber)));
    }

    /// <summary>Renew at the jittered fraction of the lifetime that starts now (not at NotBefore, which the CA backdates).</summary>
    private TimeSpan RenewalDelay(DateTimeOffset issuedAt, DateTimeOffset notAfter)
    {
        double fraction = _options.RenewAtFraction * (1 + _options.RenewJitter * (2 * Random.Shared.NextDouble() - 1));
        TimeSpan lifetime = notAfter - issuedAt;
        TimeSpan delay = issuedAt + lifetime * fraction - _time.GetUtcNow();
        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }

    /// <summary>The next retry delay, never past expiry and shorter as it nears; withdraws the secret once it has expired.</summary>
    private TimeSpan WithdrawIfExpired(TimeSpan retry)
    {
        if (NotAfter is not DateTimeOffset notAfter)
        {
            return retry;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (now >= notAfter)
        {
            if (Cell.Current is not null)
            {
                Cell.Fail($"the certificate for {Identity} expired at {notAfter:O} and the CA could not be reached to renew it");
                SdsLog.Withdrawn(_logger, Cell.Name, Identity.ToString(), notAfter);
            }

            return retry;
        }

        // Close to expiry, try more often (half the time left, at least every 200 ms) rather than
        // sleep through the end: a CA back a second before expiry still saves the workload.
        TimeSpan left = notAfter - now;
        if (left / 2 >= retry)
        {
            return retry;
        }

        return left / 2 > s_minimumRetry ? left / 2 : (left < s_minimumRetry ? left : s_minimumRetry);
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            // SemaphoreSlim takes at most int.MaxValue ms (24.8 days); waking early only re-checks.
            TimeSpan capped = delay > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : delay;
            await _renewNow.WaitAsync(capped, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _renewNow.Dispose();
    }
}
