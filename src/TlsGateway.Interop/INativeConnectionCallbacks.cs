namespace TlsGateway.Interop;

/// <summary>
/// What OpenSSL asks a connection during its handshake. Implemented by the TLS engine; the
/// interop layer turns OpenSSL's callbacks into calls on it (see NativeCallbacks).
/// Implementations must not throw: an exception is treated as a refusal.
/// </summary>
public interface INativeConnectionCallbacks
{
    /// <summary>
    /// The context that serves <paramref name="serverName"/> (null when the client sent no SNI) for a
    /// client offering <paramref name="alpnOffer"/> (ALPN wire list, empty when none), or null to refuse.
    /// </summary>
    SafeSslContextHandle? SelectContext(string? serverName, ReadOnlySpan<byte> alpnOffer);

    /// <summary>Decides on a peer whose chain OpenSSL verified. Certificates are DER, leaf first, back to back.</summary>
    bool AuthorizePeer(ReadOnlySpan<byte> chain, ReadOnlySpan<int> lengths);
}
