using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TlsGateway.Ca;
using TlsGateway.Grpc.Istio;
using TlsGateway.Identity;
using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// <see cref="IIdentityIssuer"/> over the Istio CA API of a remote CA (TlsGateway's or istiod's):
/// the server is trusted by the configured root bundle only; the agent authenticates with its
/// client certificate and/or a bearer token; a node agent asking for another identity sends it
/// as <c>ImpersonatedIdentity</c>. TLS is OpenSSL's, through <see cref="IstioCaConnector"/>.
/// </summary>
/// <remarks>
/// Credentials are re-read when their files change (a renewed client certificate, an updated
/// bundle) by building a new channel and swapping it in; if the new files cannot be loaded the
/// old channel keeps serving. A retired channel is disposed once its in-flight calls' deadline
/// has passed. DNS names travel only inside the CSR: the Istio API has no field for them.
/// </remarks>
public sealed class IstioCaClient : IIdentityIssuer, IDisposable
{
    private readonly IstioCaClientOptions _options;
    private readonly object _swap = new();
    private IstioCaChannel _channel;
    private IReadOnlyList<byte[]> _learnedRoots = [];
    private bool _disposed;

    /// <exception cref="IdentityIssuerException">The bundle or client credentials cannot be loaded.</exception>
    public IstioCaClient(IstioCaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("the CA address must be https://host:port", nameof(options));
        }

        if ((options.CertificatePath is null) != (options.KeyPath is null))
        {
            throw new ArgumentException("a client certificate needs both its certificate and key files", nameof(options));
        }

        _options = options;
        _channel = IstioCaChannel.Create(options);
    }

    public async Task<IssuedChain> IssueAsync(IdentityRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IstioCaChannel channel = CurrentChannel();
        CheckDnsNamesAreInCsr(request);
        var message = new IstioCertificateRequest
        {
            Csr = CsrPem(request.Csr),
            ValidityDuration = request.Ttl is TimeSpan ttl && ttl > TimeSpan.Zero ? (long)Math.Ceiling(ttl.TotalSeconds) : 0,
        };
        if (channel.OwnIdentity is SpiffeId own && !own.Equals(request.Identity))
        {
            message.Metadata = new Struct { Fields = { [IstioCaService.ImpersonatedIdentityField] = Value.ForString(request.Identity.ToString()) } };
        }

        var headers = new Metadata();
        if (_options.BearerToken is string token)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        if (_options.ClusterId is string cluster)
        {
            headers.Add(IstioCaService.ClusterIdHeader, cluster);
        }

        IstioCertificateResponse response;
        try
        {
            response = await channel.Client.CreateCertificateAsync(message, headers, DateTime.UtcNow + _options.Deadline, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException e) when (TlsFailureOf(e.Status.DebugException) is TlsFailure failure)
        {
            throw TlsRefusal(failure, e);
        }
        catch (RpcException e)
        {
            throw new IdentityIssuerException($"the CA at {_options.Address} answered {e.StatusCode}: {SafeText.Of(e.Status.Detail, 512)}",
                IsRetryable(e.StatusCode), e);
        }
        catch (HttpRequestException e) when (TlsFailureOf(e) is TlsFailure failure)
        {
            throw TlsRefusal(failure, e);
        }
        catch (HttpRequestException e)
        {
            throw new IdentityIssuerException($"the CA at {_options.Address} is unreachable: {e.Message}", retryable: true, e);
        }

        return ReadResponse(response, request.Identity, channel);
    }

    public Task<IReadOnlyList<byte[]>> GetTrustedRootsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<byte[]> roots = [.. Volatile.Read(ref _learnedRoots), .. CurrentChannel().BundleRoots];
        return Task.FromResult<IReadOnlyList<byte[]>>(roots.DistinctBy(Convert.ToHexString).ToList());
    }

    /// <summary>The Istio CA API cannot say what was revoked: a revoked certificate is replaced at its normal renewal.</summary>
    public Task<IReadOnlySet<string>> FindRevokedAsync(IReadOnlyCollection<string> serials, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());

    /// <summary>
    /// Which failures may pass by themselves. A refusal by policy, a bad request or a rejected
    /// credential will be refused again, so the agent should not hammer the CA with it.
    /// </summary>
    public static bool IsRetryable(StatusCode status) => status switch
    {
        StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.Unimplemented
            or StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.OutOfRange => false,
        _ => true,
    };

    /// <summary>
    /// Whether a failed TLS handshake may pass by itself: a timeout or a dropped connection may; a
    /// certificate either side refused, or no common protocol, needs new files or a changed CA.
    /// </summary>
    public static bool IsRetryable(TlsFailureReason reason) =>
        reason is TlsFailureReason.Timeout or TlsFailureReason.PeerClosed or TlsFailureReason.PeerAlert or TlsFailureReason.Other;

    private IdentityIssuerException TlsRefusal(TlsFailure failure, Exception cause) =>
        new($"TLS with the CA at {_options.Address} failed ({failure.Reason}): {SafeText.Of(failure.Detail, 512)}", IsRetryable(failure.Reason), cause);

    // Our connector's TlsException travels inside HttpRequestException/IOException, and inside
    // RpcException's Status.DebugException once Grpc.Net.Client has wrapped it.
    private static TlsFailure? TlsFailureOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is TlsException tls)
            {
                return tls.Failure;
            }
        }

        return null;
    }

    private IssuedChain ReadResponse(IstioCertificateResponse response, SpiffeId expected, IstioCaChannel channel)
    {
        // Each entry should hold one PEM certificate; some CAs put several in one entry, so read them all in order.
        List<byte[]> certificates = response.CertChain.SelectMany(pem => PemText.DecodeAll(pem, "CERTIFICATE")).ToList();
        if (certificates.Count < 2)
        {
            throw new IdentityIssuerException($"the CA at {_options.Address} returned {certificates.Count} certificates; a leaf and a root are the least", retryable: false);
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificates[0]);
        SpiffeId? issuedFor = CertificateSpiffeId.Read(leaf, out string? error);
        if (!expected.Equals(issuedFor))
        {
            throw new IdentityIssuerException($"the CA at {_options.Address} issued {issuedFor?.ToString() ?? error} instead of {expected}", retryable: false);
        }

        byte[] root = certificates[^1];
        Volatile.Write(ref _learnedRoots, [root]);
        IReadOnlyList<byte[]> trusted = new[] { root }.Concat(channel.BundleRoots).DistinctBy(Convert.ToHexString).ToList();
        return new IssuedChain(certificates[..^1], trusted,
            new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero), new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero));
    }

    private static void CheckDnsNamesAreInCsr(IdentityRequest request)
    {
        if (request.DnsNames.Count == 0)
        {
            return;
        }

        CsrContents csr;
        try
        {
            csr = CsrParser.Parse(request.Csr);
        }
        catch (IssuanceDeniedException e)
        {
            throw new IdentityIssuerException($"the CSR cannot be sent: {e.Message}", retryable: false, e);
        }

        string? missing = request.DnsNames.FirstOrDefault(n => !csr.DnsNames.Contains(n, StringComparer.OrdinalIgnoreCase));
        if (missing is not null)
        {
            throw new IdentityIssuerException($"DNS name {SafeText.Of(missing)} is not in the CSR; the Istio CA API carries DNS names only there", retryable: false);
        }
    }

    private static string CsrPem(byte[] csr)
    {
        string text = Encoding.ASCII.GetString(csr);
        return text.Contains("-----BEGIN", StringComparison.Ordinal) ? text : PemText.Encode("CERTIFICATE REQUEST", csr);
    }

    /// <summary>The channel for the credential files as they are now; a failed reload keeps the previous one.</summary>
    private IstioCaChannel CurrentChannel()
    {
        IstioCaChannel current = Volatile.Read(ref _channel);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IstioCaChannel.StampsOf(_options) == current.Stamps)
        {
            return current;
        }

        lock (_swap)
        {
            current = _channel;
            if (IstioCaChannel.StampsOf(_options) == current.Stamps)
            {
                return current;
            }

            IstioCaChannel next;
            try
            {
                next = IstioCaChannel.Create(_options);
            }
            catch (IdentityIssuerException)
            {
                // Half-written files (a key rotated before its certificate): keep what works.
                return current;
            }

            Volatile.Write(ref _channel, next);
            IstioCaChannel retired = current;
            _ = Task.Delay(_options.Deadline * 2).ContinueWith(_ => retired.Dispose(), TaskScheduler.Default);
            return next;
        }
    }

    public void Dispose()
    {
        lock (_swap)
        {
            if (!_disposed)
            {
                _disposed = true;
                _channel.Dispose();
            }
        }
    }
}
