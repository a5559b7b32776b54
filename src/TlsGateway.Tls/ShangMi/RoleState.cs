namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A handshake state of one role: <see cref="Handle"/> sees that role's context (options and all),
/// and <see cref="Advance"/>, which the role-neutral connection calls, only forwards to it. Each
/// role's states override <see cref="Handle"/> with their own return type (<see cref="ServerState"/>,
/// <see cref="ClientState"/>), so a server state can never hand over to a client state.
/// </summary>
internal abstract class RoleState<TContext> : HandshakeState
    where TContext : HandshakeContext
{
    public abstract RoleState<TContext> Handle(TContext context, HandshakeType type, ReadOnlySpan<byte> message);

    public sealed override HandshakeState Advance(HandshakeContext context, HandshakeType type, ReadOnlySpan<byte> message) =>
        Handle((TContext)context, type, message);
}
