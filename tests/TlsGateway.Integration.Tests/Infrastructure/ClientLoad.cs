using System.Diagnostics;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>One client request through the edge: when it started (since the load began), how long it took, and how it ended.</summary>
public sealed record RequestSample(TimeSpan Started, TimeSpan Latency, bool Ok, string? Error);

/// <summary>
/// A bounded load on a TLS port: <c>loops</c> clients, each doing one request after another — a
/// full handshake verified against the given roots, one line out, the echo back — every request
/// bounded by a timeout, until the load is stopped or its time limit passes. A request that times
/// out counts as failed; nothing waits on a hung peer.
/// </summary>
public sealed class ClientLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<RequestSample> _samples = [];
    private readonly Task[] _loops;

    /// <param name="limit">The load stops by itself after this long, whatever the test does.</param>
    public ClientLoad(int port, string serverName, string? caFile = null, int loops = 3, TimeSpan? perRequest = null, TimeSpan? limit = null,
        TimeSpan? pause = null)
    {
        _stop = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(10));
        TimeSpan timeout = perRequest ?? TimeSpan.FromSeconds(3);
        _loops = Enumerable.Range(0, loops)
            .Select(i => Task.Run(() => LoopAsync(port, serverName, caFile, i, timeout, pause ?? TimeSpan.FromMilliseconds(20))))
            .ToArray();
    }

    /// <summary>Time since the load began, on the clock the samples use.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<RequestSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToList();
            }
        }
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have succeeded since <paramref name="since"/>.</summary>
    public async Task WaitForSuccessesAsync(int count, TimeSpan since, TimeSpan within)
    {
        DateTime deadline = DateTime.UtcNow + within;
        while (Samples.Count(s => s.Ok && s.Started >= since) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"fewer than {count} requests succeeded after {since} within {within}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<IReadOnlyList<RequestSample>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        return Samples;
    }

    private async Task LoopAsync(int port, string serverName, string? caFile, int loop, TimeSpan timeout, TimeSpan pause)
    {
        for (int n = 0; !_stop.IsCancellationRequested; n++)
        {
            TimeSpan started = _clock.Elapsed;
            string line = $"c{loop}-{n}";
            string? error = null;
            try
            {
                string reply = await RequestAsync(port, serverName, caFile, line).WaitAsync(timeout);
                if (!reply.Contains(":" + line, StringComparison.Ordinal))
                {
                    error = $"unexpected reply '{reply.Trim()}'";
                }
            }
            catch (TimeoutException)
            {
                error = $"no answer within {timeout.TotalSeconds:0.#} s";
            }
            catch (Exception e)
            {
                error = e.GetType().Name + ": " + e.Message;
            }

            lock (_samples)
            {
                _samples.Add(new RequestSample(started, _clock.Elapsed - started, error is null, error));
            }

            if (error is not null)
            {
                // A refused connect fails at once: pause so a down edge is not hammered in a tight loop.
                await Task.Delay(pause * 5, CancellationToken.None);
            }
            else
            {
                await Task.Delay(pause, CancellationToken.None);
            }
        }
    }

    private static async Task<string> RequestAsync(int port, string serverName, string? caFile, string line)
    {
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, serverName, caFile);
        return await client.ExchangeAsync(line, TimeSpan.FromSeconds(5));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
