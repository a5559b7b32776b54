namespace TlsGateway.Host;

/// <summary>
/// A background chore that runs every period until stopped, and outlives its own failures: a
/// tick that throws is reported and the next tick tries again (a store that is down for a
/// while, a CA that cannot be reached). Stopping is not a failure.
/// </summary>
internal static class PeriodicWork
{
    public static async Task RunAsync(TimeSpan period, Func<CancellationToken, Task> tick, Action<Exception> failed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await tick(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
