using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TlsGateway.Ca;
using TlsGateway.Crypto;

namespace TlsGateway.Sds;

/// <summary>
/// A node agent's own identity with a remote CA. The first start enrols with the one-time
/// bootstrap token (the CA consumes it); from then on the agent authenticates with the
/// certificate it got, kept in identity_dir (cert.pem, key.pem at 0600) and renewed at half
/// its lifetime over that same mTLS connection. The client reloads the files, so a renewal
/// needs no restart. A certificate that expired while the agent was down needs a new token.
/// </summary>
public sealed class AgentEnrolment : IAsyncDisposable
{
    private static readonly TimeSpan s_minimumRetry = TimeSpan.FromMilliseconds(200);

    private readonly AgentCaConfig _ca;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _renewal = Task.CompletedTask;

    private AgentEnrolment(AgentCaConfig ca, AgentOptions options, ILogger logger, IstioCaClient client)
    {
        _ca = ca;
        _options = options;
        _logger = logger;
        Client = client;
    }

    /// <summary>The issuer for workloads: mTLS with the agent's own certificate.</summary>
    public IstioCaClient Client { get; }

    private string CertificatePath => Path.Combine(_ca.IdentityDirectory!, "cert.pem");

    private string KeyPath => Path.Combine(_ca.IdentityDirectory!, "key.pem");

    public static async Task<AgentEnrolment> StartAsync(AgentCaConfig ca, AgentOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        string certificate = Path.Combine(ca.IdentityDirectory!, "cert.pem");
        string key = Path.Combine(ca.IdentityDirectory!, "key.pem");
        if (ValidUntil(certificate) is not DateTimeOffset notAfter || notAfter <= DateTimeOffset.UtcNow)
        {
            if (ca.TokenFile is null)
            {
                throw new IdentityIssuerException(
                    $"{ca.IdentityDirectory} holds no current agent certificate and agent.ca.token_file is not set: create a token with `tlsgw ca token create --identity {ca.AgentIdentity}` and configure it",
                    retryable: false);
            }

            string token = File.ReadAllText(ca.TokenFile).Trim();
            using var enrolling = new IstioCaClient(BaseOptions(ca) with { BearerToken = token, Identity = ca.AgentIdentity });
            await IssueOwnAsync(enrolling, ca, options, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Enrolled as {Identity} with the bootstrap token; the token is spent", ca.AgentIdentity);
        }

        var client = new IstioCaClient(BaseOptions(ca) with { CertificatePath = certificate, KeyPath = key });
        var enrolment = new AgentEnrolment(ca, options, logger, client);
        enrolment._renewal = enrolment.RenewLoopAsync(enrolment._stop.Token);
        return enrolment;
    }

    private static IstioCaClientOptions BaseOptions(AgentCaConfig ca) => new(ca.Address!, ca.Bundle!) { ClusterId = ca.ClusterId };

    private static async Task IssueOwnAsync(IIdentityIssuer issuer, AgentCaConfig ca, AgentOptions options, CancellationToken cancellationToken)
    {
        // Not options.KeyType: this key is the agent's TLS client key towards the CA, and OpenSSL's TLS cannot sign with SM2.
        (byte[] csr, string keyPem) = WorkloadKey.NewKeyAndCsr(CaKeyType.EcdsaP256.Name, ca.AgentIdentity!, []);
        IssuedChain issued = await issuer.IssueAsync(new IdentityRequest(csr, ca.AgentIdentity!, [], options.WorkloadTtl), cancellationToken)
            .ConfigureAwait(false);
        Directory.CreateDirectory(ca.IdentityDirectory!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Key first: the client reloads only when both files are readable as a pair.
        AtomicFile.Write(Path.Combine(ca.IdentityDirectory!, "key.pem"), keyPem, AtomicFile.PrivateMode);
        AtomicFile.Write(Path.Combine(ca.IdentityDirectory!, "cert.pem"), PemText.EncodeAll("CERTIFICATE", issued.Chain), AtomicFile.PublicMode);
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        TimeSpan retry = _options.RetryInitial;
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset notAfter = ValidUntil(CertificatePath) ?? DateTimeOffset.UtcNow;
            DateTimeOffset receivedAt = ReceivedAt(CertificatePath) ?? DateTimeOffset.UtcNow;
            TimeSpan due = receivedAt + (notAfter - receivedAt) * _options.RenewAtFraction - DateTimeOffset.UtcNow;
            try
            {
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : due, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await IssueOwnAsync(Client, _ca, _options, cancellationToken).ConfigureAwait(false);
                retry = _options.RetryInitial;
                _logger.LogInformation("Renewed the agent's own certificate ({Identity})", _ca.AgentIdentity);
            }
            catch (Exception e) when (e is IdentityIssuerException or IOException or UnauthorizedAccessException)
            {
                // Writing the files can fail too (a full disk): retried like a refusal, never the end of renewal.
                // Backoff, but never past expiry: an agent whose own certificate lapses cannot
                // authenticate to the CA again without a new token. Close to the end, try more often.
                TimeSpan left = notAfter - DateTimeOffset.UtcNow;
                TimeSpan delay = left > TimeSpan.Zero && left / 2 < retry ? TimeSpan.FromTicks(Math.Max(left.Ticks / 2, s_minimumRetry.Ticks)) : retry;
                _logger.LogWarning("Could not renew the agent's own certificate: {Reason}; retrying in {Retry}", e.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, _options.RetryCap.Ticks));
            }
        }
    }

    private static DateTimeOffset? ValidUntil(string certificatePath) => Read(certificatePath, c => c.NotAfter);

    /// <summary>
    /// When the certificate was obtained: the file's write time, never before NotBefore. Not
    /// NotBefore itself: the CA backdates it (10 minutes), so with a short lifetime "half-life
    /// since NotBefore" is already past on arrival and the agent would re-issue without pause.
    /// </summary>
    private static DateTimeOffset? ReceivedAt(string certificatePath)
    {
        if (Read(certificatePath, c => c.NotBefore) is not DateTimeOffset notBefore)
        {
            return null;
        }

        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(certificatePath), TimeSpan.Zero);
        return written > notBefore ? written : notBefore;
    }

    private static DateTimeOffset? Read(string path, Func<X509Certificate2, DateTime> field)
    {
        try
        {
            // The one-argument CreateFromPem reads the first certificate only (CreateFromPemFile would want a key too).
            using X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return new DateTimeOffset(field(leaf).ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _renewal.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Client.Dispose();
        _stop.Dispose();
    }
}
