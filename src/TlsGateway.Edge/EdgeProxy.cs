using System.Net;
using Microsoft.Extensions.Logging;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>The simplest edge: one TLS listener forwarding every session to one TCP upstream.</summary>
public sealed class EdgeProxy : IAsyncDisposable
{
    private readonly TlsListener _listener;

    public EdgeProxy(ListenerOptions listener, TlsServerContext context, EndPoint upstream, TimeSpan connectTimeout, ILoggerFactory loggers)
    {
        var forwarder = new TcpForwarder(upstream, connectTimeout, loggers.CreateLogger<TcpForwarder>());
        _listener = new TlsListener(listener, context, forwarder.ForwardAsync, loggers.CreateLogger<TlsListener>());
    }

    public TlsListener Listener => _listener;

    public void Start() => _listener.Start();

    /// <summary>Graceful drain: stop accepting, let connections finish for up to <paramref name="drainTimeout"/>.</summary>
    public Task StopAsync(TimeSpan drainTimeout) => _listener.StopAsync(drainTimeout);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
