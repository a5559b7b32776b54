namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// The real in-process issuer behind a switch, so a test can make the CA unreachable and
/// reachable again. (The same outage against a real remote CA process is covered by the
/// integration tests.)
/// </summary>
internal sealed class SwitchableIssuer(IIdentityIssuer inner) : IIdentityIssuer
{
    private volatile bool _down;

    public int Attempts;

    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public Task<IssuedChain> IssueAsync(IdentityRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        return _down
            ? Task.FromException<IssuedChain>(new IdentityIssuerException("the CA is unreachable (test switch)", retryable: true))
            : inner.IssueAsync(request, cancellationToken);
    }

    public Task<IReadOnlyList<byte[]>> GetTrustedRootsAsync(CancellationToken cancellationToken) =>
        _down
            ? Task.FromException<IReadOnlyList<byte[]>>(new IdentityIssuerException("the CA is unreachable (test switch)", retryable: true))
            : inner.GetTrustedRootsAsync(cancellationToken);

    public Task<IReadOnlySet<string>> FindRevokedAsync(IReadOnlyCollection<string> serials, CancellationToken cancellationToken) =>
        _down
            ? Task.FromException<IReadOnlySet<string>>(new IdentityIssuerException("the CA is unreachable (test switch)", retryable: true))
            : inner.FindRevokedAsync(serials, cancellationToken);
}
