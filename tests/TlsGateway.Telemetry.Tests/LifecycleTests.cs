using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class LifecycleTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void Instruments_created_before_the_collector_are_reported()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_early", description: "Early");
        MetricsCollector collector = _meters.Collector;

        counter.Add(1);

        Assert.Contains("\ntlsgw_test_early_total 1\n", collector.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Instruments_created_after_the_collector_are_picked_up()
    {
        MetricsCollector collector = _meters.Collector;
        Assert.Equal(string.Empty, collector.Scrape());

        Counter<long> counter = _meters.Create("late").CreateCounter<long>("tlsgw_test_late", description: "Late");
        counter.Add(2);

        Assert.Contains("\ntlsgw_test_late_total 2\n", collector.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_counter_that_was_never_incremented_is_not_shown()
    {
        _meters.Create().CreateCounter<long>("tlsgw_test_idle", description: "Idle");

        Assert.Equal(string.Empty, _meters.Scrape());
    }

    [Fact]
    public void The_instruments_of_a_disposed_meter_stop_being_reported()
    {
        Meter kept = _meters.Create("kept");
        Meter disposed = _meters.Create("disposed");
        _ = _meters.Collector;
        kept.CreateCounter<long>("tlsgw_test_kept", description: "Kept").Add(1);
        disposed.CreateCounter<long>("tlsgw_test_gone", description: "Gone").Add(1);
        Assert.Contains("\ntlsgw_test_gone_total 1\n", _meters.Scrape(), StringComparison.Ordinal);

        disposed.Dispose();

        string scrape = _meters.Scrape();
        Assert.DoesNotContain("tlsgw_test_gone", scrape, StringComparison.Ordinal);
        Assert.Contains("\ntlsgw_test_kept_total 1\n", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_instruments_of_different_kinds_with_one_name_expose_the_first_and_skip_the_other()
    {
        Meter meter = _meters.Create();
        _ = _meters.Collector;
        Gauge<long> first = meter.CreateGauge<long>("tlsgw_test_clash", description: "The gauge");
        UpDownCounter<long> second = meter.CreateUpDownCounter<long>("tlsgw_test_clash", description: "The up-down counter");

        first.Record(5);
        second.Add(100);

        Assert.Equal(
            """
            # HELP tlsgw_test_clash The gauge
            # TYPE tlsgw_test_clash gauge
            tlsgw_test_clash 5

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_disposed_collector_stops_listening_and_refuses_to_scrape()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_after", description: "After");
        MetricsCollector collector = _meters.Collector;

        collector.Dispose();
        counter.Add(1);

        Assert.Throws<ObjectDisposedException>(() => collector.Scrape());
    }

    [Fact]
    public void The_content_type_is_the_text_format_0_0_4()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", MetricsCollector.ContentType);
    }
}
