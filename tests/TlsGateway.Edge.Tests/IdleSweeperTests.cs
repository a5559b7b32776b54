namespace TlsGateway.Edge.Tests;

/// <summary>
/// The sweeper runs on a 250 ms period, so these tests wait on the tracker's token with a bound
/// generous enough for a loaded machine rather than sleeping a fixed time and hoping.
/// </summary>
public sealed class IdleSweeperTests : IAsyncLifetime
{
    private static readonly TimeSpan s_shortTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(5);

    private readonly IdleSweeper _sweeper = new();

    public Task InitializeAsync()
    {
        _sweeper.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _sweeper.DisposeAsync();

    [Fact]
    public void A_tracker_that_is_never_touched_is_cancelled_after_its_timeout()
    {
        using IdleTracker tracker = _sweeper.Track(s_shortTimeout, CancellationToken.None);

        Assert.True(tracker.Token.WaitHandle.WaitOne(s_bound), "the idle tracker was not cancelled");

        Assert.True(tracker.Expired);
    }

    [Fact]
    public void A_tracker_touched_every_100ms_stays_open_and_expires_once_touching_stops()
    {
        using IdleTracker tracker = _sweeper.Track(s_shortTimeout, CancellationToken.None);

        for (int i = 0; i < 10; i++)
        {
            Thread.Sleep(100);
            tracker.Touch();
        }

        Assert.False(tracker.Token.IsCancellationRequested);
        Assert.False(tracker.Expired);

        // The control: the sweeper was running all along, so the silence that follows does expire it.
        Assert.True(tracker.Token.WaitHandle.WaitOne(s_bound), "the idle tracker was not cancelled after touching stopped");
    }

    [Fact]
    public void Cancelling_the_linked_token_cancels_the_tracker_without_marking_it_expired()
    {
        using var connection = new CancellationTokenSource();
        using IdleTracker tracker = _sweeper.Track(TimeSpan.FromMinutes(5), connection.Token);

        connection.Cancel();

        Assert.True(tracker.Token.IsCancellationRequested);
        Assert.False(tracker.Expired);
    }

    [Fact]
    public async Task Disposing_a_tracker_removes_it_and_later_sweeps_still_run()
    {
        var sweeper = new IdleSweeper();
        sweeper.Start();
        IdleTracker gone = sweeper.Track(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        using IdleTracker kept = sweeper.Track(s_shortTimeout, CancellationToken.None);
        Assert.Equal(2, sweeper.Count);

        gone.Dispose();

        Assert.Equal(1, sweeper.Count);
        Assert.True(kept.Token.WaitHandle.WaitOne(s_bound), "sweeping stopped after a tracker was disposed");

        // A sweep that had thrown would fault the loop, and disposing the sweeper would rethrow it.
        await sweeper.DisposeAsync();
    }

    [Fact]
    public async Task A_sweeper_that_was_never_started_disposes_cleanly()
    {
        var sweeper = new IdleSweeper();
        using IdleTracker tracker = sweeper.Track(s_shortTimeout, CancellationToken.None);

        await sweeper.DisposeAsync();

        Assert.False(tracker.Token.IsCancellationRequested);
    }
}
