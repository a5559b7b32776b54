namespace TlsGateway.Ca.Tests.Infrastructure;

/// <summary>
/// A clock the test moves by hand, so expiry-driven behaviour (root retirement, TTL caps) is
/// tested without waiting. It starts at the real time, whole seconds, so certificates issued
/// under it are also valid for the openssl verifier, which reads the wall clock.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _utcTicks;

    public ManualTimeProvider()
        : this(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
    {
    }

    public ManualTimeProvider(DateTimeOffset start)
    {
        _utcTicks = start.UtcTicks;
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void SetUtcNow(DateTimeOffset value) => Interlocked.Exchange(ref _utcTicks, value.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
