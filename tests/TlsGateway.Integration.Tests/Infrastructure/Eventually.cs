namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// Server-side counters are updated after the client has already seen the result; this polls
/// briefly (bounded) instead of sleeping a fixed time.
/// </summary>
public static class Eventually
{
    public static async Task EqualAsync<T>(T expected, Func<T> actual, TimeSpan? within = null)
    {
        DateTime deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        while (!EqualityComparer<T>.Default.Equals(actual(), expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(expected, actual());
    }

    public static async Task TrueAsync(Func<bool> condition, TimeSpan? within = null) => await EqualAsync(true, condition, within);
}
