using System.Net;

namespace TlsGateway.Edge;

/// <summary>Limits of one TLS listener.</summary>
/// <param name="HandshakeTimeout">A client that has not finished its handshake by then is dropped (slowloris).</param>
/// <param name="MaxConnections">Connections beyond this are closed at accept, before any crypto.</param>
public sealed record ListenerOptions(IPEndPoint Endpoint, TimeSpan HandshakeTimeout, int MaxConnections = 10_000)
{
    public static TimeSpan DefaultHandshakeTimeout { get; } = TimeSpan.FromSeconds(10);
}
