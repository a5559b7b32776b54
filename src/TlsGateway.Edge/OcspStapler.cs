using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Keeps an OCSP staple (RFC 6066 section 8) on every certificate of a TLS snapshot that asks for
/// one: read from a file or fetched from the issuer's responder, checked against the chain, and
/// refreshed halfway through its validity. A response that is invalid, not "good", or past its
/// nextUpdate is never stapled; the certificate is then served without a staple and the gap is
/// counted and logged — a missing staple must not take the service down.
/// </summary>
public sealed class OcspStapler : IAsyncDisposable
{
    private const int MaxResponseBytes = 64 * 1024;
    private static readonly TimeSpan s_minimumRefresh = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_maximumRetry = TimeSpan.FromMinutes(10);

    private readonly TlsServerContext _context;
    private readonly IReadOnlyList<OcspTarget> _targets;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private long _stapled;
    private long _failures;
    private int _missing;

    public OcspStapler(TlsServerContext context, IReadOnlyList<OcspTarget> targets, HttpClient http, ILogger logger)
    {
        _context = context;
        _targets = targets;
        _http = http;
        _logger = logger;
        _missing = targets.Count;
        EdgeMetrics.OcspUnstapled.Add(targets.Count);
    }

    /// <summary>Valid responses installed so far.</summary>
    public long Stapled => Interlocked.Read(ref _stapled);

    /// <summary>Attempts that produced no usable response.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Certificates currently served without a staple (the gap).</summary>
    public int Missing => Volatile.Read(ref _missing);

    public void Start()
    {
        foreach (OcspTarget target in _targets)
        {
            _loops.Add(RefreshLoopAsync(target, _stopping.Token));
        }
    }

    private async Task RefreshLoopAsync(OcspTarget target, CancellationToken cancellationToken)
    {
        long validUntil = 0;
        TimeSpan retry = s_minimumRefresh;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            byte[]? response;
            OcspResponseInfo? info;
            string? problem;
            try
            {
                (response, info, problem) = await ObtainAsync(target, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong, the loop must survive: a dead loop would staple one response forever.
                (response, info, problem) = (null, null, e.Message);
            }

            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (info is { Status: OcspCertificateStatus.Good } good && TrySetStaple(target, response))
            {
                bool wasMissing = validUntil <= now;
                Interlocked.Increment(ref _stapled);
                if (wasMissing)
                {
                    Interlocked.Decrement(ref _missing);
                    EdgeMetrics.OcspUnstapled.Add(-1);
                }

                validUntil = good.NextUpdate > 0 ? good.NextUpdate : now + 3600;
                wait = TimeSpan.FromSeconds(Math.Max(s_minimumRefresh.TotalSeconds, (validUntil - now) / 2.0));
                retry = s_minimumRefresh;
                EdgeLog.OcspStapled(_logger, target.Description, DateTimeOffset.FromUnixTimeSeconds(validUntil));
            }
            else
            {
                Interlocked.Increment(ref _failures);
                EdgeMetrics.OcspFailures.Add(1, new KeyValuePair<string, object?>("chain", target.Entry));
                problem ??= $"the responder says the certificate is {info?.Status.ToString().ToLowerInvariant()}";
                if (validUntil > 0 && validUntil <= now)
                {
                    // The last good response has expired: stop stapling it rather than staple a stale one.
                    TrySetStaple(target, null);
                    validUntil = 0;
                    Interlocked.Increment(ref _missing);
                    EdgeMetrics.OcspUnstapled.Add(1);
                }

                EdgeLog.OcspUnavailable(_logger, target.Description, problem, validUntil > 0);
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_maximumRetry.Ticks));
                if (validUntil > now)
                {
                    wait = TimeSpan.FromSeconds(Math.Min(wait.TotalSeconds, Math.Max(1, validUntil - now)));
                }
            }

            try
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private bool TrySetStaple(OcspTarget target, byte[]? response)
    {
        try
        {
            _context.SetOcspStaple(target.Entry, target.Certificate, response);
            return true;
        }
        catch (Exception e) when (e is ObjectDisposedException or OpenSslException)
        {
            // The snapshot was retired under us (a reload); its successor has its own stapler.
            return false;
        }
    }

    private async Task<(byte[]? Response, OcspResponseInfo? Info, string? Problem)> ObtainAsync(OcspTarget target, CancellationToken cancellationToken)
    {
        byte[] response;
        try
        {
            response = target.Config.StapleFile is { } file
                ? await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false)
                : await FetchAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException or OpenSslException
            or InvalidOperationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, null, e is OperationCanceledException ? "the responder did not answer in time" : e.Message);
        }
        catch (OperationCanceledException)
        {
            return (null, null, "stopping");
        }

        OcspResponseInfo? info = NativeOcsp.CheckResponse(target.Certificate.Chain, response);
        return info is null
            ? (null, null, "the response is not a valid, current OCSP response for this certificate signed by its issuer")
            : (response, info, null);
    }

    private async Task<byte[]> FetchAsync(OcspTarget target, CancellationToken cancellationToken)
    {
        Uri url = target.Config.Responder ?? ResponderFromCertificate(target.Certificate.Leaf)
            ?? throw new InvalidOperationException("the certificate names no OCSP responder (no AIA extension); configure responder: URL");
        using var content = new ByteArrayContent(NativeOcsp.BuildRequest(target.Certificate.Chain));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using HttpResponseMessage reply = await _http.PostAsync(url, content, timeout.Token).ConfigureAwait(false);
        reply.EnsureSuccessStatusCode();
        if (reply.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            throw new InvalidOperationException($"OCSP response of {reply.Content.Headers.ContentLength} bytes is over the {MaxResponseBytes}-byte limit");
        }

        // Read with a hard cap: a chunked reply has no length to check first.
        await using Stream body = await reply.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int n;
        while ((n = await body.ReadAsync(chunk, timeout.Token).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxResponseBytes)
            {
                throw new InvalidOperationException($"OCSP response over the {MaxResponseBytes}-byte limit");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    // RFC 5280 section 4.2.2.1: id-ad-ocsp in the Authority Information Access extension.
    private static Uri? ResponderFromCertificate(X509Certificate2 leaf)
    {
        foreach (X509Extension extension in leaf.Extensions)
        {
            if (extension is X509AuthorityInformationAccessExtension access)
            {
                string? url = access.EnumerateOcspUris().FirstOrDefault();
                return url is null ? null : new Uri(url);
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stopping.Dispose();
        // This stapler's certificates are no longer served: take its gap off the gauge.
        EdgeMetrics.OcspUnstapled.Add(-Interlocked.Exchange(ref _missing, 0));
        foreach (OcspTarget target in _targets)
        {
            target.Certificate.Dispose();
        }
    }
}
