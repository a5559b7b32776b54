using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class CounterTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void A_counter_is_exposed_with_the_total_suffix_and_one_sum_per_tag_set()
    {
        Counter<long> handshakes = _meters.Create().CreateCounter<long>("tlsgw_edge_handshakes", description: "TLS handshakes completed");
        _ = _meters.Collector;

        handshakes.Add(2, new KeyValuePair<string, object?>("result", "ok"));
        handshakes.Add(3, new KeyValuePair<string, object?>("result", "ok"));
        handshakes.Add(1, new KeyValuePair<string, object?>("result", "alert"));

        Assert.Equal(
            """
            # HELP tlsgw_edge_handshakes_total TLS handshakes completed
            # TYPE tlsgw_edge_handshakes_total counter
            tlsgw_edge_handshakes_total{result="alert"} 1
            tlsgw_edge_handshakes_total{result="ok"} 5

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_counter_already_ending_in_total_is_not_suffixed_twice()
    {
        Counter<int> requests = _meters.Create().CreateCounter<int>("tlsgw_sds_requests_total", description: "SDS requests");
        _ = _meters.Collector;

        requests.Add(4);

        Assert.Contains("\ntlsgw_sds_requests_total 4\n", _meters.Scrape(), StringComparison.Ordinal);
        Assert.DoesNotContain("_total_total", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_tags_in_a_different_order_are_one_series()
    {
        Counter<long> bytes = _meters.Create().CreateCounter<long>("tlsgw_edge_bytes", description: "Bytes forwarded");
        _ = _meters.Collector;

        bytes.Add(10, new("listener", "public"), new("direction", "up"));
        bytes.Add(5, new("direction", "up"), new("listener", "public"));

        Assert.Contains("\ntlsgw_edge_bytes_total{direction=\"up\",listener=\"public\"} 15\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_meter_instances_with_the_same_counter_are_summed_into_one_family()
    {
        // One stats object per listener, each with its own Meter of the same name.
        Counter<long> first = _meters.Create("edge").CreateCounter<long>("tlsgw_edge_connections", description: "Connections accepted");
        Counter<long> second = _meters.Create("edge").CreateCounter<long>("tlsgw_edge_connections", description: "Connections accepted");
        _ = _meters.Collector;

        first.Add(3, new KeyValuePair<string, object?>("listener", "a"));
        second.Add(4, new KeyValuePair<string, object?>("listener", "a"));
        second.Add(1, new KeyValuePair<string, object?>("listener", "b"));
        first.Add(7);
        second.Add(1);

        Assert.Equal(
            """
            # HELP tlsgw_edge_connections_total Connections accepted
            # TYPE tlsgw_edge_connections_total counter
            tlsgw_edge_connections_total 8
            tlsgw_edge_connections_total{listener="a"} 7
            tlsgw_edge_connections_total{listener="b"} 1

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_floating_point_counter_prints_its_shortest_round_trip_value()
    {
        Counter<double> seconds = _meters.Create().CreateCounter<double>("tlsgw_edge_cpu_seconds", description: "CPU time");
        _ = _meters.Collector;

        seconds.Add(0.5);
        seconds.Add(0.25);
        seconds.Add(0.1);

        Assert.Contains("\ntlsgw_edge_cpu_seconds_total 0.85\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_observable_counter_reports_the_total_its_callback_returns()
    {
        long total = 41;
        _meters.Create().CreateObservableCounter("tlsgw_ca_issued", () => total, description: "Certificates issued");
        _ = _meters.Collector;

        total++;

        Assert.Equal(
            """
            # HELP tlsgw_ca_issued_total Certificates issued
            # TYPE tlsgw_ca_issued_total counter
            tlsgw_ca_issued_total 42

            """,
            _meters.Scrape());
    }

    [Fact]
    public void Byte_short_and_decimal_counters_are_supported()
    {
        Meter meter = _meters.Create();
        Counter<byte> small = meter.CreateCounter<byte>("tlsgw_test_small", description: "byte");
        Counter<short> medium = meter.CreateCounter<short>("tlsgw_test_medium", description: "short");
        Counter<decimal> money = meter.CreateCounter<decimal>("tlsgw_test_money", description: "decimal");
        _ = _meters.Collector;

        small.Add(200);
        small.Add(200);
        medium.Add(30000);
        medium.Add(30000);
        money.Add(1.5m);

        string scrape = _meters.Scrape();
        Assert.Contains("\ntlsgw_test_small_total 400\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\ntlsgw_test_medium_total 60000\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\ntlsgw_test_money_total 1.5\n", scrape, StringComparison.Ordinal);
    }
}
