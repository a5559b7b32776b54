using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>A CA API caller whose identity has been proven, and how.</summary>
/// <param name="Peer">The transport peer ("127.0.0.1:5000"), for logs and audit events.</param>
public sealed record AuthenticatedCaller(SpiffeId Identity, CallerCredential Credential, string Peer);
