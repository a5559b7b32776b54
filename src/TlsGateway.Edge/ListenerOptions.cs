using System.Net;

namespace TlsGateway.Edge;

/// <summary>What cannot change without a new socket: the address a listener binds.</summary>
public sealed record ListenerOptions(IPEndPoint Endpoint);
