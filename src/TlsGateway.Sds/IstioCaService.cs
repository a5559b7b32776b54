using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Ca;
using TlsGateway.Grpc.Istio;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Sds;

/// <summary>
/// <c>istio.v1.auth.IstioCertificateService/CreateCertificate</c>: what istio-agent and ztunnel call
/// to get workload certificates, answered by this CA.
/// </summary>
/// <remarks>
/// The identity always comes from the authenticated caller (<see cref="CaCallerAuthenticator"/>),
/// never from the CSR; the CA then refuses a CSR naming anyone else. A node agent (a caller whose
/// SPIFFE path starts with a configured prefix) may name a workload of its own trust domain in
/// the <c>ImpersonatedIdentity</c> metadata field. Checks that need no credential (ClusterID, an
/// empty CSR) come first, so a bad request does not spend a caller's one-time token.
/// The response is Istio's: PEM certificates, leaf first, then the intermediates, then the root
/// that signs them last — istio-agent takes the last entry as the root.
/// </remarks>
public sealed class IstioCaService : IstioCertificateService.IstioCertificateServiceBase
{
    /// <summary>The metadata field istio-agent and ztunnel use to ask for a workload's certificate.</summary>
    public const string ImpersonatedIdentityField = "ImpersonatedIdentity";

    /// <summary>The request header naming the caller's cluster (gRPC metadata keys are lower-case).</summary>
    public const string ClusterIdHeader = "clusterid";

    private readonly CertificateAuthority _authority;
    private readonly CaCallerAuthenticator _authenticator;
    private readonly IstioCaOptions _options;
    private readonly ILogger _logger;

    public IstioCaService(CertificateAuthority authority, CaCallerAuthenticator authenticator, IstioCaOptions? options = null, ILogger? logger = null)
    {
        _authority = authority;
        _authenticator = authenticator;
        _options = options ?? IstioCaOptions.Default;
        _logger = logger ?? NullLogger.Instance;
    }

    public override async Task<IstioCertificateResponse> CreateCertificate(IstioCertificateRequest request, ServerCallContext context)
    {
        Microsoft.AspNetCore.Http.HttpContext http = context.GetHttpContext();
        string peer = http.Connection.RemoteIpAddress is { } address ? $"{address}:{http.Connection.RemotePort}" : context.Peer;
        try
        {
            return await CreateAsync(request, context, http, peer).ConfigureAwait(false);
        }
        catch (StoreException e)
        {
            // Nothing was issued (the ledger row and its audit event commit together or not at
            // all). The caller learns that it may retry; the operator reads which store and why.
            IstioCaLog.StoreFailed(_logger, peer, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "the CA cannot reach its store; nothing was issued, try again later"));
        }
    }

    private async Task<IstioCertificateResponse> CreateAsync(IstioCertificateRequest request, ServerCallContext context,
        Microsoft.AspNetCore.Http.HttpContext http, string peer)
    {

        string? cluster = context.RequestHeaders.GetValue(ClusterIdHeader);
        if (cluster is not null && cluster != _options.ClusterId)
        {
            throw Deny(StatusCode.PermissionDenied, "-", peer, $"ClusterID '{SafeText.Of(cluster)}' is not this CA's cluster");
        }

        if (string.IsNullOrWhiteSpace(request.Csr))
        {
            throw Deny(StatusCode.InvalidArgument, "-", peer, "the request has no CSR");
        }

        AuthenticatedCaller caller = await AuthenticateAsync(http.Connection.ClientCertificate, context, peer).ConfigureAwait(false);
        CaCaller caCaller = Authorize(caller, request.Metadata, peer);
        TimeSpan? ttl = request.ValidityDuration > 0 ? TimeSpan.FromSeconds(Math.Min(request.ValidityDuration, (long)TimeSpan.MaxValue.TotalSeconds - 1)) : null;
        IssuedIdentity issued;
        try
        {
            issued = await _authority.IssueAsync(
                new IssuanceRequest(Encoding.UTF8.GetBytes(request.Csr), caCaller, caCaller.Workload, ttl), context.CancellationToken).ConfigureAwait(false);
        }
        catch (IssuanceDeniedException denied)
        {
            throw Deny(StatusOf(denied.Reason), caller.Identity.ToString(), peer, $"{denied.Reason}: {denied.Message}");
        }

        IstioCaLog.Issued(_logger, issued.SpiffeId, issued.Serial, caCaller.Name, caller.Credential, peer);
        var response = new IstioCertificateResponse();
        response.CertChain.AddRange(ResponseChain(issued).Select(der => PemText.Encode("CERTIFICATE", der)));
        return response;
    }

    private async Task<AuthenticatedCaller> AuthenticateAsync(X509Certificate2? certificate, ServerCallContext context, string peer)
    {
        try
        {
            return await _authenticator.AuthenticateAsync(certificate, context.RequestHeaders.GetValue("authorization"), peer, context.CancellationToken)
                .ConfigureAwait(false);
        }
        catch (CallerAuthenticationException e)
        {
            IstioCaLog.Unauthenticated(_logger, peer, e.Message);
            throw new RpcException(new Status(StatusCode.Unauthenticated, e.Message));
        }
        catch (StoreException)
        {
            // The ledger check of a client certificate, or spending a token, needs the store too.
            CaMetrics.StoreError("authenticate");
            throw;
        }
    }

    /// <summary>Who the CA should issue for: the caller itself, or — for node agents only — the workload it names.</summary>
    private CaCaller Authorize(AuthenticatedCaller caller, Struct? metadata, string peer)
    {
        if (metadata is null || !metadata.Fields.TryGetValue(ImpersonatedIdentityField, out Value? value)
            || value.KindCase == Value.KindOneofCase.NullValue || (value.KindCase == Value.KindOneofCase.StringValue && value.StringValue.Length == 0))
        {
            return CaCaller.ForWorkload(caller.Identity);
        }

        string callerName = caller.Identity.ToString();
        if (value.KindCase != Value.KindOneofCase.StringValue || !SpiffeId.TryParse(value.StringValue, out SpiffeId? workload, out string? error))
        {
            throw Deny(StatusCode.InvalidArgument, callerName, peer, $"{ImpersonatedIdentityField} is not a SPIFFE ID");
        }

        if (workload.Equals(caller.Identity))
        {
            return CaCaller.ForWorkload(caller.Identity);
        }

        if (!_options.NodeAgentPathPrefixes.Any(prefix => caller.Identity.Path.StartsWith(prefix, StringComparison.Ordinal)))
        {
            throw Deny(StatusCode.PermissionDenied, callerName, peer, $"{caller.Identity} is not a node agent and may not request {workload}");
        }

        if (workload.TrustDomain != caller.Identity.TrustDomain)
        {
            throw Deny(StatusCode.PermissionDenied, callerName, peer, $"node agent {caller.Identity} may not request {workload} of another trust domain");
        }

        // The agent is the actor in the CA's audit log; the workload is whom the leaf names.
        return new CaCaller(callerName, workload, IsOperator: false);
    }

    /// <summary>
    /// Leaf, then the intermediates of the generation that signed it, then that generation's root.
    /// A cross-signed intermediate is left out here: the last entry is taken as the root, so the
    /// entries before it must be one straight path to it.
    /// </summary>
    private IEnumerable<byte[]> ResponseChain(IssuedIdentity issued)
    {
        CaGenerationKeys? signer = _authority.State.Generations.FirstOrDefault(g => issued.Chain.Any(der => der.AsSpan().SequenceEqual(g.Intermediate.Der)));
        if (signer is null)
        {
            // The snapshot changed under this call (a rotation); what the CA returned is still a path.
            return [issued.Certificate, .. issued.Chain, .. issued.TrustedRoots.Take(1)];
        }

        return [issued.Certificate, .. signer.Chain.Select(c => c.Der), signer.Root.Der];
    }

    private static StatusCode StatusOf(DenialReason reason) => reason switch
    {
        DenialReason.Malformed or DenialReason.Oversized or DenialReason.BadSignature or DenialReason.InvalidTtl => StatusCode.InvalidArgument,
        DenialReason.CaUnavailable => StatusCode.Unavailable,
        _ => StatusCode.PermissionDenied,
    };

    private RpcException Deny(StatusCode status, string caller, string peer, string reason)
    {
        IstioCaLog.Denied(_logger, caller, peer, status, reason);
        return new RpcException(new Status(status, reason));
    }
}
