namespace TlsGateway.Tls;

/// <summary>
/// Decides whether a verified peer may connect. Runs inside the handshake, so a refusal ends it
/// with an alert. It must be fast and must not block: it runs on the connection's I/O thread.
/// </summary>
public interface IPeerAuthorizer
{
    AuthorizationDecision Authorize(PeerIdentity peer);
}

/// <summary>The outcome of <see cref="IPeerAuthorizer.Authorize"/>. Reason is for logs and metrics, never for the peer.</summary>
public readonly record struct AuthorizationDecision(bool Allowed, string Reason)
{
    public static AuthorizationDecision Allow { get; } = new(true, "allowed");

    public static AuthorizationDecision Deny(string reason) => new(false, reason);
}
