using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// envoy.service.secret.v3.SecretDiscoveryService: state-of-the-world streams
/// (<see cref="SotwStream"/>), delta streams (<see cref="DeltaStream"/>) and unary fetches, for
/// callers identified by their Unix-socket peer credentials through <see cref="WorkloadPolicy"/>.
/// A caller no rule matches gets PERMISSION_DENIED and nothing else.
/// </summary>
/// <remarks>
/// Streams end when the server stops (<paramref name="lifetime"/>), not only when the client
/// goes: an open SDS stream never holds up a shutdown.
/// </remarks>
public sealed class SdsService(SecretCatalog catalog, WorkloadPolicy policy, IHostApplicationLifetime lifetime, ILogger<SdsService> logger)
    : SecretDiscoveryService.SecretDiscoveryServiceBase
{
    internal static readonly ControlPlane ControlPlane = new() { Identifier = "tlsgw" };

    public override async Task StreamSecrets(IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream,
        ServerCallContext context)
    {
        SdsCaller caller = Authenticate(context);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        await RunStreamAsync(caller, new SotwStream(caller, catalog, logger).RunAsync(requestStream, responseStream, ending.Token))
            .ConfigureAwait(false);
    }

    public override async Task DeltaSecrets(IAsyncStreamReader<DeltaDiscoveryRequest> requestStream, IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context)
    {
        SdsCaller caller = Authenticate(context);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        await RunStreamAsync(caller, new DeltaStream(caller, catalog, logger).RunAsync(requestStream, responseStream, ending.Token))
            .ConfigureAwait(false);
    }

    public override async Task<DiscoveryResponse> FetchSecrets(DiscoveryRequest request, ServerCallContext context)
    {
        SdsCaller caller = Authenticate(context);
        SubscriptionRules.CheckTypeUrl(request.TypeUrl);
        List<SecretCell> cells = request.ResourceNames.Select(name => SubscriptionRules.Resolve(catalog, caller, name, logger)).ToList();
        if (cells.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "FetchSecrets names no resource"));
        }

        // The first certificate for a caller may still be on its way from the CA: wait for it
        // within the caller's deadline.
        IReadOnlyList<SecretResource>? ready;
        while (true)
        {
            Task changed = SubscriptionRules.AnyChanged(cells);
            if ((ready = SubscriptionRules.Snapshot(cells)) is not null)
            {
                break;
            }

            await changed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        var response = new DiscoveryResponse { VersionInfo = SubscriptionRules.VersionOf(ready), TypeUrl = SecretNames.SecretTypeUrl, ControlPlane = ControlPlane };
        response.Resources.AddRange(ready.Select(r => r.Packed));
        catalog.Stats.Pushed();
        return response;
    }

    private async Task RunStreamAsync(SdsCaller caller, Task stream)
    {
        catalog.Stats.StreamOpened();
        try
        {
            await stream.ConfigureAwait(false);
            SdsLog.StreamEnded(logger, caller.ToString(), "closed by the client");
        }
        catch (OperationCanceledException)
        {
            SdsLog.StreamEnded(logger, caller.ToString(), "cancelled");
        }
        catch (IOException e)
        {
            SdsLog.StreamEnded(logger, caller.ToString(), e.Message);
        }
        finally
        {
            catalog.Stats.StreamClosed();
        }
    }

    private SdsCaller Authenticate(ServerCallContext context)
    {
        HttpContext http = context.GetHttpContext();
        if (http.Features.Get<PeerCredentials>() is not PeerCredentials peer)
        {
            catalog.Stats.Denied();
            SdsLog.Denied(logger, "no peer credentials (SDS is served on a Unix socket only)");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the caller could not be identified: SDS is served on the Unix socket only"));
        }

        if (policy.Resolve(peer) is not SdsCaller caller)
        {
            catalog.Stats.Denied();
            SdsLog.Denied(logger, $"no policy rule matches {peer}");
            throw new RpcException(new Status(StatusCode.PermissionDenied, "this caller has no SDS identity")); // the detail is in the log
        }

        return caller;
    }
}
