namespace TlsGateway.Tls;

/// <summary>
/// Counts the users of something that gets replaced while in use (a TLS context snapshot and
/// what hangs off it). Once it is retired and its last user has left, <c>release</c> runs,
/// exactly once, and never while a user (a handshake whose callbacks read the context) could
/// still need it. Callers enter under the same lock that swaps the snapshot, so a retire cannot
/// slip between picking a snapshot and entering it.
/// </summary>
public sealed class RetireAfterUse(Action release)
{
    private int _active;
    private int _retired;
    private int _released;

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _retired) == 1)
        {
            Release();
        }
    }

    public void Retire()
    {
        Volatile.Write(ref _retired, 1);
        if (Volatile.Read(ref _active) == 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
