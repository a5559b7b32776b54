using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// One OpenSSL server context for the CA API and what it was built from: a serving certificate
/// snapshot and the CA's trusted roots. Counts the handshakes using it; once it is retired
/// (replaced) and the last of them has ended, the context is disposed, never while a handshake
/// (whose SNI callback reads it) could still use it. Established connections keep working after
/// that: OpenSSL holds its own references to what they need.
/// </summary>
internal sealed class CaTlsSnapshot
{
    private readonly RetireAfterUse _uses;

    public CaTlsSnapshot(TlsServerContext context, CaServingSnapshot serving, IReadOnlyList<byte[]> roots)
    {
        _uses = new RetireAfterUse(context.Dispose);
        Context = context;
        Serving = serving;
        Roots = roots;
    }

    public TlsServerContext Context { get; }

    public CaServingSnapshot Serving { get; }

    /// <summary>The trusted roots (DER) client certificates were verified against.</summary>
    public IReadOnlyList<byte[]> Roots { get; }

    /// <summary>Whether this context still serves <paramref name="serving"/> and trusts exactly <paramref name="roots"/>.</summary>
    public bool Matches(CaServingSnapshot serving, IReadOnlyList<byte[]> roots) =>
        ReferenceEquals(serving, Serving)
        && (ReferenceEquals(roots, Roots) || (roots.Count == Roots.Count && roots.Zip(Roots).All(p => p.First.AsSpan().SequenceEqual(p.Second))));

    // Called by the source under its lock, so a retire cannot slip between picking this snapshot and entering it.
    internal void Enter() => _uses.Enter();

    public void Exit() => _uses.Exit();

    internal void Retire() => _uses.Retire();
}
