using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge.Config;

namespace TlsGateway.Edge;

/// <summary>
/// The endpoints of one filter chain's upstream, with passive health: an endpoint that fails
/// <see cref="UpstreamConfig.EjectAfterFailures"/> connects in a row is left out for
/// <see cref="UpstreamConfig.EjectFor"/>, then tried again. A connection attempt walks the
/// endpoints in balancing order, so one dead endpoint costs a client one connect timeout at most,
/// never a hang. When every endpoint is ejected the cluster still tries them all (Envoy's
/// "panic" behaviour): refusing outright would turn a flap into an outage.
/// </summary>
public sealed class UpstreamCluster
{
    private readonly UpstreamConfig _config;
    private readonly string _chain;
    private readonly ILogger _logger;
    private readonly UpstreamEndpoint[] _endpoints;
    private int _next;

    public UpstreamCluster(string chain, UpstreamConfig config, ILogger logger)
    {
        _chain = chain;
        _config = config;
        _logger = logger;
        _endpoints = config.Endpoints.Select(e => new UpstreamEndpoint(e)).ToArray();
    }

    public IReadOnlyList<UpstreamEndpoint> Endpoints => _endpoints;

    public UpstreamConfig Config => _config;

    /// <summary>Connects to the first endpoint that accepts, in balancing order; null if none did.</summary>
    public async Task<(Socket Socket, UpstreamEndpoint Endpoint)?> ConnectAsync(CancellationToken cancellationToken)
    {
        foreach (UpstreamEndpoint endpoint in Order())
        {
            Socket socket = endpoint.Address is IPEndPoint ip
                ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.NoDelay = true;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_config.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endpoint.Address, timeout.Token).ConfigureAwait(false);
                endpoint.RecordSuccess();
                return (socket, endpoint);
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                RecordConnectFailure(endpoint, e is OperationCanceledException ? "connect timed out" : e.Message);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        return null;
    }

    /// <summary>Counts a failed connect to <paramref name="endpoint"/> (logged, and ejecting it after enough in a row).</summary>
    internal void RecordConnectFailure(UpstreamEndpoint endpoint, string reason)
    {
        EdgeLog.UpstreamConnectFailed(_logger, endpoint.Address, reason);
        var tags = new TagList { { "chain", _chain }, { "endpoint", endpoint.Label } };
        EdgeMetrics.UpstreamConnectFailures.Add(1, tags);
        if (endpoint.RecordFailure(_config.EjectAfterFailures, _config.EjectFor))
        {
            EdgeMetrics.UpstreamEjections.Add(1, tags);
            EdgeLog.EndpointEjected(_logger, endpoint.Address, _chain, _config.EjectAfterFailures, _config.EjectFor.TotalSeconds);
        }
    }

    // Healthy endpoints in balancing order, then the ejected ones (soonest back first) as a last resort.
    internal IEnumerable<UpstreamEndpoint> Order()
    {
        // The common case, one endpoint, needs no ordering (and no allocation per connection).
        if (_endpoints.Length == 1)
        {
            return _endpoints;
        }

        long now = Environment.TickCount64;
        UpstreamEndpoint[] healthy = _endpoints.Where(e => !e.IsEjected(now)).ToArray();
        int start = healthy.Length == 0 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)healthy.Length);
        IEnumerable<UpstreamEndpoint> ordered = healthy.Skip(start).Concat(healthy.Take(start));
        if (_config.Balance == LoadBalancing.LeastConnections)
        {
            // OrderBy is stable, so endpoints with equal load keep the rotating order: ties spread.
            ordered = ordered.OrderBy(e => e.Active);
        }

        return ordered.Concat(_endpoints.Where(e => e.IsEjected(now)).OrderBy(e => e.EjectedUntil));
    }
}
