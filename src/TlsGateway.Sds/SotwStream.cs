using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// One StreamSecrets stream (xDS state of the world). The client names the secrets it wants;
/// every response carries all of them with a version and a nonce; the client answers each
/// with an ACK (that version and nonce) or a NACK (the previous version, the nonce and an
/// error_detail). A NACKed version is logged and counted and not sent again: the next
/// response goes out when a secret changes. Requests that answer an older nonce are stale
/// and ignored, as the xDS protocol prescribes.
/// </summary>
internal sealed class SotwStream(SdsCaller caller, SecretCatalog catalog, ILogger logger)
{
    private List<SecretCell> _subscribed = [];
    private List<string> _names = [];
    private string? _sentVersion;
    private string _lastNonce = "";
    private long _nonces;

    public Task RunAsync(IAsyncStreamReader<DiscoveryRequest> requests, IServerStreamWriter<DiscoveryResponse> responses, CancellationToken cancellationToken) =>
        StreamPump.RunAsync(requests, () => SubscriptionRules.AnyChanged(_subscribed), () => SendIfChangedAsync(responses), Handle, cancellationToken);

    private void Handle(DiscoveryRequest request)
    {
        SubscriptionRules.CheckTypeUrl(request.TypeUrl);
        if (request.ResponseNonce.Length > 0)
        {
            if (request.ResponseNonce != _lastNonce)
            {
                return; // answers a response that has since been superseded
            }

            if (request.ErrorDetail is { } error)
            {
                catalog.Stats.Nacked();
                SdsLog.Nack(logger, caller.ToString(), string.Join(',', _names), _sentVersion ?? "-", SafeText.Of(error.Message));
            }
            else
            {
                catalog.Stats.Acked();
            }
        }

        List<string> names = request.ResourceNames.Distinct(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(_names))
        {
            _subscribed = names.Select(name => SubscriptionRules.Resolve(catalog, caller, name, logger)).ToList();
            _names = names;
            _sentVersion = null; // a new subscription is always answered, even with the same versions
        }
    }

    private async Task SendIfChangedAsync(IServerStreamWriter<DiscoveryResponse> responses)
    {
        if (_subscribed.Count == 0 || SubscriptionRules.Snapshot(_subscribed) is not { } ready)
        {
            return;
        }

        string version = SubscriptionRules.VersionOf(ready);
        if (version == _sentVersion)
        {
            return;
        }

        string nonce = (++_nonces).ToString(CultureInfo.InvariantCulture);
        var response = new DiscoveryResponse { VersionInfo = version, TypeUrl = SecretNames.SecretTypeUrl, Nonce = nonce, ControlPlane = SdsService.ControlPlane };
        response.Resources.AddRange(ready.Select(r => r.Packed));
        _sentVersion = version;
        _lastNonce = nonce;
        await responses.WriteAsync(response).ConfigureAwait(false);
        catalog.Stats.Pushed();
    }
}
