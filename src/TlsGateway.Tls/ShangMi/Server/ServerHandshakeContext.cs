namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What every server state may touch: the immutable options, and (from <see cref="HandshakeContext"/>)
/// the record layer and what has been negotiated so far. Secrets never live here: each
/// <c>Expect*</c> state holds the ones valid in it.
/// </summary>
internal sealed class ServerHandshakeContext(ManagedServerOptions options, RecordLayer records) : HandshakeContext(records)
{
    public ManagedServerOptions Options { get; } = options;

    /// <summary>
    /// True when the client's chain was validated against <see cref="ManagedServerOptions.ClientTrustAnchors"/>
    /// — in this handshake, or, resumed, when the ticket was issued. Carried into the tickets issued.
    /// </summary>
    public bool PeerChainValidated { get; set; }
}
