using TlsGateway.Edge.Config;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// What a listener does with new connections: the TLS snapshot, the handler for established
/// sessions, and the limits. Swapped as one reference on reload; each connection keeps the
/// binding it was accepted under, so its handler always matches its TLS context.
/// A binding counts the connections using it; once it is retired (replaced or its listener
/// stopped) and the last of them ends, <paramref name="onRetired"/> releases what it owns
/// (TLS contexts, upstream client contexts) — never while a handshake could still use them.
/// </summary>
/// <param name="shangMi">Routes RFC 8998 clients to the managed engine; null when no chain has ShangMi.</param>
/// <param name="loopForwarders">
/// Each filter chain's forwarder, when the event loop may run this binding's connections from
/// accept to close (see <see cref="RunsOnLoop"/>); null sends every connection to <paramref name="handler"/>.
/// </param>
public sealed class ListenerBinding(TlsServerContext? context, Func<ClientSession, CancellationToken, Task> handler, LimitsConfig limits,
    Action? onRetired = null, IReadOnlyList<ServedCertificate>? certificates = null, ShangMiRouter? shangMi = null,
    IReadOnlyDictionary<string, ChainForwarder>? loopForwarders = null)
{
    private readonly RetireAfterUse _uses = new(() => onRetired?.Invoke());

    /// <summary>The OpenSSL snapshot; null on a listener whose every chain is served by the ShangMi engine alone (sm: require).</summary>
    public TlsServerContext? Context { get; } = context;

    public Func<ClientSession, CancellationToken, Task> Handler { get; } = handler;

    public ShangMiRouter? ShangMi { get; } = shangMi;

    public LimitsConfig Limits { get; } = limits;

    /// <summary>
    /// True when every connection can be run by an event loop (docs/edge-loop.md): OpenSSL serves
    /// every chain, no chain has ShangMi, every chain forwards (in plaintext or TLS) to upstreams at
    /// IP addresses, and the listener has not turned the loops off. Otherwise connections take the
    /// task-based path through <see cref="Handler"/>.
    /// </summary>
    public bool RunsOnLoop => LoopForwarders is not null && Context is not null && ShangMi is null;

    /// <summary>Each filter chain's forwarder by chain name; null when the binding does not run on the loop.</summary>
    public IReadOnlyDictionary<string, ChainForwarder>? LoopForwarders { get; } = loopForwarders;

    /// <summary>What the context serves (empty when the caller did not say).</summary>
    public IReadOnlyList<ServedCertificate> Certificates { get; } = certificates ?? [];

    /// <summary>The same handler and limits over another TLS snapshot (the previous one's release is not carried over).</summary>
    public ListenerBinding WithContext(TlsServerContext replacement) =>
        new(replacement, Handler, Limits, certificates: Certificates, shangMi: ShangMi, loopForwarders: LoopForwarders);

    // Called by the listener under its binding lock, so a retire cannot slip between read and enter.
    internal void Enter() => _uses.Enter();

    internal void Exit() => _uses.Exit();

    internal void Retire() => _uses.Retire();
}
