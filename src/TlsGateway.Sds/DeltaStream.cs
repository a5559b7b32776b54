using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// One DeltaSecrets stream (incremental xDS). The client subscribes and unsubscribes by name
/// and may say which versions it already holds; each response carries only the secrets whose
/// version the client lacks, and names withdrawn ones in removed_resources. ACK and NACK work
/// by nonce as in state of the world; a NACKed version is not sent again.
/// </summary>
internal sealed class DeltaStream(SdsCaller caller, SecretCatalog catalog, ILogger logger)
{
    private readonly Dictionary<string, SecretCell> _subscribed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _clientHas = new(StringComparer.Ordinal);
    private string _lastNonce = "";
    private long _nonces;
    private bool _started;

    public Task RunAsync(IAsyncStreamReader<DeltaDiscoveryRequest> requests, IServerStreamWriter<DeltaDiscoveryResponse> responses,
        CancellationToken cancellationToken) =>
        StreamPump.RunAsync(requests, () => SubscriptionRules.AnyChanged(_subscribed.Values), () => SendChangesAsync(responses), Handle, cancellationToken);

    private void Handle(DeltaDiscoveryRequest request)
    {
        SubscriptionRules.CheckTypeUrl(request.TypeUrl);
        if (!_started)
        {
            _started = true;
            foreach ((string name, string version) in request.InitialResourceVersions)
            {
                _clientHas[name] = version; // a reconnecting client need not be sent what it has
            }
        }

        if (request.ResponseNonce.Length > 0 && request.ResponseNonce == _lastNonce)
        {
            if (request.ErrorDetail is { } error)
            {
                catalog.Stats.Nacked();
                SdsLog.Nack(logger, caller.ToString(), string.Join(',', _subscribed.Keys), _lastNonce, SafeText.Of(error.Message));
            }
            else
            {
                catalog.Stats.Acked();
            }
        }

        // Subscription changes count whatever the nonce says (they are not answers to a response).
        foreach (string name in request.ResourceNamesSubscribe)
        {
            _subscribed[name] = SubscriptionRules.Resolve(catalog, caller, name, logger);
        }

        foreach (string name in request.ResourceNamesUnsubscribe)
        {
            _subscribed.Remove(name);
            _clientHas.Remove(name);
        }
    }

    private async Task SendChangesAsync(IServerStreamWriter<DeltaDiscoveryResponse> responses)
    {
        var response = new DeltaDiscoveryResponse { TypeUrl = SecretNames.SecretTypeUrl, ControlPlane = SdsService.ControlPlane };
        foreach ((string name, SecretCell cell) in _subscribed)
        {
            if (cell.Current is SecretResource current)
            {
                if (!_clientHas.TryGetValue(name, out string? has) || has != current.Version)
                {
                    response.Resources.Add(new Resource { Name = name, Version = current.Version, Resource_ = current.Packed });
                    _clientHas[name] = current.Version;
                }
            }
            else if (cell.Error is not null && _clientHas.Remove(name))
            {
                response.RemovedResources.Add(name); // withdrawn (expired and not renewable): the client must stop using it
            }
        }

        if (response.Resources.Count == 0 && response.RemovedResources.Count == 0)
        {
            return;
        }

        string nonce = (++_nonces).ToString(CultureInfo.InvariantCulture);
        response.Nonce = nonce;
        response.SystemVersionInfo = nonce;
        _lastNonce = nonce;
        await responses.WriteAsync(response).ConfigureAwait(false);
        catalog.Stats.Pushed();
    }
}
