using TlsGateway.Edge.Config;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// What a listener does with new connections: the TLS snapshot, the handler for established
/// sessions, and the limits. Swapped as one reference on reload; each connection keeps the
/// binding it was accepted under, so its handler always matches its TLS context.
/// </summary>
public sealed record ListenerBinding(TlsServerContext Context, Func<TlsSession, CancellationToken, Task> Handler, LimitsConfig Limits);
