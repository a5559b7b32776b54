namespace TlsGateway.Edge.Tests;

public class HandshakeRateLimiterTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_limit_of_zero_or_less_never_refuses(int perSecond)
    {
        var limiter = new HandshakeRateLimiter(perSecond);

        int granted = Enumerable.Range(0, 10_000).Count(_ => limiter.TryAcquire());

        Assert.Equal(10_000, granted);
    }

    [Fact]
    public void A_new_limiter_grants_one_seconds_worth_at_once_and_then_refuses()
    {
        var limiter = new HandshakeRateLimiter(5);

        bool[] results = Enumerable.Range(0, 8).Select(_ => limiter.TryAcquire()).ToArray();

        Assert.Equal([true, true, true, true, true, false, false, false], results);
    }

    [Fact]
    public void Tokens_refill_over_time_but_never_beyond_the_burst()
    {
        var limiter = new HandshakeRateLimiter(5);
        while (limiter.TryAcquire())
        {
        }

        // Sleeping is the subject here (the refill), not a performance assertion: 1.1 s refills more than the burst of 5.
        Thread.Sleep(TimeSpan.FromMilliseconds(1_100));
        int granted = Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire());

        Assert.Equal(5, granted);
    }
}
