using System.Net;

namespace TlsGateway.Edge;

/// <summary>What cannot change without a new socket: the address a listener binds, and its name (a metrics label).</summary>
public sealed record ListenerOptions(IPEndPoint Endpoint, string Name = "");
