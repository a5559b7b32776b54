namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>A real <see cref="TimeProvider"/> whose time moves only when a test moves it (ticket ages).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
