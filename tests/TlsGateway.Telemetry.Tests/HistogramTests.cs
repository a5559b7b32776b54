using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class HistogramTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void A_histogram_without_advice_uses_the_prometheus_default_buckets_cumulatively()
    {
        Histogram<double> duration = _meters.Create().CreateHistogram<double>("tlsgw_edge_handshake_duration_seconds", description: "Handshake duration");
        _ = _meters.Collector;

        // 0.25 sits exactly on a bound: "le" means less than or equal, so it counts in that bucket.
        foreach (double seconds in new[] { 0.25, 0.5, 3, 20 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("listener", "public"));
        }

        Assert.Equal(
            """
            # HELP tlsgw_edge_handshake_duration_seconds Handshake duration
            # TYPE tlsgw_edge_handshake_duration_seconds histogram
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.005"} 0
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.01"} 0
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.025"} 0
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.05"} 0
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.1"} 0
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.25"} 1
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="0.5"} 2
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="1"} 2
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="2.5"} 2
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="5"} 3
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="10"} 3
            tlsgw_edge_handshake_duration_seconds_bucket{listener="public",le="+Inf"} 4
            tlsgw_edge_handshake_duration_seconds_sum{listener="public"} 23.75
            tlsgw_edge_handshake_duration_seconds_count{listener="public"} 4

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_histogram_uses_the_bucket_boundaries_its_instrument_advises()
    {
        Histogram<long> size = _meters.Create().CreateHistogram(
            "tlsgw_edge_record_size_bytes",
            unit: "By",
            description: "TLS record payload size",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 100] });
        _ = _meters.Collector;

        foreach (long bytes in new long[] { 1, 5, 50, 500 })
        {
            size.Record(bytes);
        }

        Assert.Equal(
            """
            # HELP tlsgw_edge_record_size_bytes TLS record payload size
            # TYPE tlsgw_edge_record_size_bytes histogram
            tlsgw_edge_record_size_bytes_bucket{le="1"} 1
            tlsgw_edge_record_size_bytes_bucket{le="10"} 2
            tlsgw_edge_record_size_bytes_bucket{le="100"} 3
            tlsgw_edge_record_size_bytes_bucket{le="+Inf"} 4
            tlsgw_edge_record_size_bytes_sum 556
            tlsgw_edge_record_size_bytes_count 4

            """,
            _meters.Scrape());
    }

    [Fact]
    public void Histograms_of_two_meter_instances_merge_their_buckets_per_label_set()
    {
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] };
        Histogram<double> first = _meters.Create("edge").CreateHistogram("tlsgw_edge_latency_seconds", null, "Latency", null, advice);
        Histogram<double> second = _meters.Create("edge").CreateHistogram("tlsgw_edge_latency_seconds", null, "Latency", null, advice);
        _ = _meters.Collector;

        first.Record(0.5);
        second.Record(2);

        Assert.Equal(
            """
            # HELP tlsgw_edge_latency_seconds Latency
            # TYPE tlsgw_edge_latency_seconds histogram
            tlsgw_edge_latency_seconds_bucket{le="1"} 1
            tlsgw_edge_latency_seconds_bucket{le="+Inf"} 2
            tlsgw_edge_latency_seconds_sum 2.5
            tlsgw_edge_latency_seconds_count 2

            """,
            _meters.Scrape());
    }

    [Fact]
    public void A_histogram_tag_named_le_is_renamed_so_it_cannot_clash_with_the_bucket_label()
    {
        Histogram<double> duration = _meters.Create().CreateHistogram<double>("tlsgw_test_duration_seconds", description: "Duration");
        _ = _meters.Collector;

        duration.Record(1, new KeyValuePair<string, object?>("le", "mine"));

        Assert.Contains("\ntlsgw_test_duration_seconds_bucket{tag_le=\"mine\",le=\"+Inf\"} 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }
}
