using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class GaugeTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void An_up_down_counter_is_a_gauge_holding_its_running_sum()
    {
        UpDownCounter<long> open = _meters.Create().CreateUpDownCounter<long>("tlsgw_edge_connections_open", description: "Open connections");
        _ = _meters.Collector;

        open.Add(5);
        open.Add(-2);

        Assert.Equal(
            """
            # HELP tlsgw_edge_connections_open Open connections
            # TYPE tlsgw_edge_connections_open gauge
            tlsgw_edge_connections_open 3

            """,
            _meters.Scrape());
    }

    [Fact]
    public void An_observable_up_down_counter_is_a_gauge()
    {
        _meters.Create().CreateObservableUpDownCounter("tlsgw_sds_streams_open", () => -2, description: "Open streams");

        Assert.Equal(
            """
            # HELP tlsgw_sds_streams_open Open streams
            # TYPE tlsgw_sds_streams_open gauge
            tlsgw_sds_streams_open -2

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_synchronous_gauge_reports_the_last_value_recorded_per_tag_set()
    {
        Gauge<double> load = _meters.Create().CreateGauge<double>("tlsgw_edge_load_ratio", description: "Load");
        _ = _meters.Collector;

        load.Record(0.5, new KeyValuePair<string, object?>("listener", "a"));
        load.Record(0.75, new KeyValuePair<string, object?>("listener", "a"));
        load.Record(0.25, new KeyValuePair<string, object?>("listener", "b"));

        Assert.Equal(
            """
            # HELP tlsgw_edge_load_ratio Load
            # TYPE tlsgw_edge_load_ratio gauge
            tlsgw_edge_load_ratio{listener="a"} 0.75
            tlsgw_edge_load_ratio{listener="b"} 0.25

            """,
            _meters.Scrape());
    }

    [Fact]
    public void An_observable_gauge_shows_what_its_callback_reports_at_scrape_time()
    {
        double expiry = 100;
        _meters.Create().CreateObservableGauge("tlsgw_certificate_expiry_seconds", () => expiry, description: "Seconds until the certificate expires");

        Assert.Contains("\ntlsgw_certificate_expiry_seconds 100\n", _meters.Scrape(), StringComparison.Ordinal);
        expiry = 99.5;
        Assert.Contains("\ntlsgw_certificate_expiry_seconds 99.5\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_observable_gauge_series_no_longer_reported_disappears_from_the_next_scrape()
    {
        // The certificate-expiry gauge: a certificate no longer held must vanish, not linger at its last value.
        var held = new Dictionary<string, long> { ["api.example"] = 3600, ["old.example"] = 60 };
        _meters.Create().CreateObservableGauge(
            "tlsgw_certificate_expiry_seconds",
            () => held.Select(h => new Measurement<long>(h.Value, new KeyValuePair<string, object?>("name", h.Key))),
            description: "Seconds until the certificate expires");

        string before = _meters.Scrape();
        held.Remove("old.example");
        string after = _meters.Scrape();

        Assert.Contains("{name=\"old.example\"} 60\n", before, StringComparison.Ordinal);
        Assert.Equal(
            """
            # HELP tlsgw_certificate_expiry_seconds Seconds until the certificate expires
            # TYPE tlsgw_certificate_expiry_seconds gauge
            tlsgw_certificate_expiry_seconds{name="api.example"} 3600

            """,
            after);
    }

    [Fact]
    public void An_observable_gauge_that_reports_nothing_is_left_out_entirely()
    {
        _meters.Create().CreateObservableGauge("tlsgw_certificate_expiry_seconds", () => Array.Empty<Measurement<long>>(), description: "Expiry");

        Assert.Equal(string.Empty, _meters.Scrape());
    }

    [Fact]
    public void Observable_gauges_of_two_meter_instances_are_summed_per_label_set()
    {
        _meters.Create("sds").CreateObservableGauge("tlsgw_sds_streams", () => 2L, description: "Open streams");
        _meters.Create("sds").CreateObservableGauge("tlsgw_sds_streams", () => 3L, description: "Open streams");

        Assert.Contains("\ntlsgw_sds_streams 5\n", _meters.Scrape(), StringComparison.Ordinal);
    }
}
