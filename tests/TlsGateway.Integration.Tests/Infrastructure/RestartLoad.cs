using System.Collections.Concurrent;
using System.Diagnostics;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// The load a hot restart must not disturb: workers doing full TLS handshakes with one request
/// each, workers sending requests on one keep-alive connection each, and a probe of the admin
/// port's /readyz. Every error is kept: a refused, reset or failed connection is a loss.
/// </summary>
public sealed class RestartLoad(int port, int adminPort)
{
    private long _handshakes;
    private long _keepAliveRequests;
    private long _adminProbes;
    private readonly ConcurrentDictionary<string, long> _slowest = new();

    public ConcurrentQueue<string> Failures { get; } = new();

    public long Handshakes => Interlocked.Read(ref _handshakes);

    public long KeepAliveRequests => Interlocked.Read(ref _keepAliveRequests);

    public long AdminProbes => Interlocked.Read(ref _adminProbes);

    public string Summary() =>
        $"full handshakes {Handshakes}, keep-alive requests {KeepAliveRequests}, admin probes {AdminProbes}, failures {Failures.Count}; slowest: "
        + string.Join(", ", _slowest.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value} ms"));

    public Task RunAsync(int handshakeWorkers, int keepAliveWorkers, CancellationToken stop) => Task.WhenAll(
        Enumerable.Range(0, handshakeWorkers).Select(_ => HandshakeLoopAsync(stop))
            .Concat(Enumerable.Range(0, keepAliveWorkers).Select(i => KeepAliveLoopAsync(i, stop)))
            .Append(AdminLoopAsync(stop)));

    private async Task HandshakeLoopAsync(CancellationToken stop)
    {
        for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
        {
            await MeasureAsync("handshake", async () =>
            {
                await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");
                string reply = await client.ExchangeAsync($"h{i}", TimeSpan.FromSeconds(10));
                if (!reply.Contains($"h{i}", StringComparison.Ordinal))
                {
                    throw new IOException($"handshake worker got '{reply}'");
                }

                Interlocked.Increment(ref _handshakes);
            });
        }
    }

    private async Task KeepAliveLoopAsync(int worker, CancellationToken stop)
    {
        TlsTestClient? client = null;
        await MeasureAsync("keep-alive connect", async () => client = await TlsTestClient.ConnectAsync(port, "default.test"));
        if (client is null)
        {
            return;
        }

        await using (client)
        {
            for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                bool ok = await MeasureAsync("keep-alive request", async () =>
                {
                    string line = $"k{worker}-{i}";
                    string reply = await client.ExchangeAsync(line, TimeSpan.FromSeconds(10));
                    if (!reply.Contains(line, StringComparison.Ordinal))
                    {
                        throw new IOException($"keep-alive worker got '{reply}'");
                    }

                    Interlocked.Increment(ref _keepAliveRequests);
                });
                if (!ok)
                {
                    return;
                }

                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private async Task AdminLoopAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
        {
            await MeasureAsync("admin /readyz", async () =>
            {
                // A new connection each time, so each probe meets whichever process accepts now.
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{adminPort}/readyz");
                request.Headers.ConnectionClose = true;
                using HttpResponseMessage response = await http.SendAsync(request);
                if ((int)response.StatusCode != 200)
                {
                    throw new IOException($"/readyz answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }

                Interlocked.Increment(ref _adminProbes);
            });
            await Task.Delay(25, CancellationToken.None);
        }
    }

    private async Task<bool> MeasureAsync(string what, Func<Task> operation)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await operation();
            return true;
        }
        catch (Exception e)
        {
            Failures.Enqueue($"{what}: {e.GetType().Name}: {e.Message}");
            return false;
        }
        finally
        {
            long elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _slowest.AddOrUpdate(what, elapsed, (_, seen) => Math.Max(seen, elapsed));
        }
    }
}
