using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private const int Threads = 8;
    private const int AddsPerThread = 100_000;

    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void Threads_adding_to_one_counter_at_once_lose_no_increments()
    {
        Meter meter = _meters.Create();
        Counter<long> untagged = meter.CreateCounter<long>("tlsgw_test_untagged", description: "Untagged");
        Counter<long> tagged = meter.CreateCounter<long>("tlsgw_test_tagged", description: "Tagged");
        Counter<double> halves = meter.CreateCounter<double>("tlsgw_test_halves", description: "Halves");
        _ = _meters.Collector;

        RunOnThreads(() =>
        {
            for (int i = 0; i < AddsPerThread; i++)
            {
                untagged.Add(1);
                tagged.Add(1, new("listener", "public"), new("result", i % 2 == 0 ? "ok" : "alert"));
                halves.Add(0.5);
            }
        });

        string scrape = _meters.Scrape();
        Assert.Contains($"\ntlsgw_test_untagged_total {Threads * AddsPerThread}\n", scrape, StringComparison.Ordinal);
        Assert.Contains($"\ntlsgw_test_tagged_total{{listener=\"public\",result=\"ok\"}} {Threads * AddsPerThread / 2}\n", scrape, StringComparison.Ordinal);
        Assert.Contains($"\ntlsgw_test_tagged_total{{listener=\"public\",result=\"alert\"}} {Threads * AddsPerThread / 2}\n", scrape, StringComparison.Ordinal);
        Assert.Contains($"\ntlsgw_test_halves_total {Threads * AddsPerThread / 2}\n", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scraping_while_threads_record_keeps_every_histogram_count_equal_to_its_inf_bucket()
    {
        Histogram<double> latency = _meters.Create().CreateHistogram<double>("tlsgw_test_latency_seconds", description: "Latency");
        _ = _meters.Collector;

        Task recording = Task.Run(() => RunOnThreads(() =>
        {
            for (int i = 0; i < AddsPerThread; i++)
            {
                latency.Record(i % 20 * 0.1);
            }
        }));
        while (!recording.IsCompleted)
        {
            string[] lines = _meters.Scrape().Split('\n');
            string? inf = lines.FirstOrDefault(l => l.Contains("le=\"+Inf\"", StringComparison.Ordinal));
            string? count = lines.FirstOrDefault(l => l.StartsWith("tlsgw_test_latency_seconds_count ", StringComparison.Ordinal));
            Assert.Equal(inf?.Split(' ')[1], count?.Split(' ')[1]);
        }

        await recording;
        Assert.Contains($"\ntlsgw_test_latency_seconds_count {Threads * AddsPerThread}\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_to_an_existing_series_allocates_nothing()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_allocations", description: "Allocations");
        _ = _meters.Collector;
        var listener = new KeyValuePair<string, object?>("listener", "public");
        var result = new KeyValuePair<string, object?>("result", "ok");
        var reason = new KeyValuePair<string, object?>("reason", "none");
        for (int i = 0; i < 1_000; i++)
        {
            counter.Add(1);
            counter.Add(1, listener, result, reason);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            counter.Add(1);
            counter.Add(1, listener, result, reason);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunOnThreads(Action work)
    {
        using var start = new Barrier(Threads);
        Thread[] threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            work();
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }
}
