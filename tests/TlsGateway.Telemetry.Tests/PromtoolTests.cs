using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

/// <summary>
/// Prometheus' own tooling judges a scrape holding every instrument kind, so our reading of the
/// format is checked against the real parser and linter, not only against our own expectations.
/// </summary>
public sealed class PromtoolTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task Promtool_accepts_a_scrape_of_every_instrument_kind_without_a_single_lint_complaint()
    {
        Meter edge = _meters.Create("edge");
        Meter sds = _meters.Create("sds");
        _ = _meters.Collector;

        Counter<long> handshakes = edge.CreateCounter<long>("tlsgw_edge_handshakes", description: "TLS handshakes by result");
        handshakes.Add(3, new("result", "ok"), new("listener", "public"));
        handshakes.Add(1, new("result", "alert \"bad\\cert\"\nnext"), new("listener", "public"));
        edge.CreateCounter<double>("tlsgw_edge_cpu_seconds", description: "CPU time spent in handshakes").Add(0.125);
        edge.CreateCounter<decimal>("tlsgw_edge_weight", description: "A decimal counter").Add(2.5m);
        edge.CreateUpDownCounter<int>("tlsgw_edge_connections_open", description: "Open connections").Add(7, new KeyValuePair<string, object?>("listener", "public"));
        edge.CreateGauge<float>("tlsgw_edge_load_ratio", description: "Accepted connections / capacity").Record(0.5f);
        Histogram<double> duration = edge.CreateHistogram<double>("tlsgw_edge_handshake_duration_seconds", description: "Handshake duration");
        duration.Record(0.02, new KeyValuePair<string, object?>("listener", "public"));
        duration.Record(12, new KeyValuePair<string, object?>("listener", "public"));
        Histogram<long> size = edge.CreateHistogram(
            "tlsgw_edge_record_size_bytes",
            unit: "By",
            description: "TLS record payload size",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [256, 4096, 16384] });
        size.Record(1000);
        sds.CreateObservableCounter("tlsgw_sds_pushes", () => 12L, description: "SDS responses sent");
        sds.CreateObservableUpDownCounter("tlsgw_sds_streams", () => 2.5, description: "Open SDS streams");
        sds.CreateObservableGauge(
            "tlsgw_certificate_expiry_seconds",
            () => new[]
            {
                new Measurement<double>(3600, new KeyValuePair<string, object?>("name", "api.example")),
                new Measurement<double>(double.PositiveInfinity, new KeyValuePair<string, object?>("name", "forever")),
                new Measurement<double>(double.NaN, new KeyValuePair<string, object?>("name", "unknown")),
                new Measurement<double>(-60, new KeyValuePair<string, object?>("name", "expired")),
            },
            description: "Seconds until the certificate expires (negative once expired)");

        string scrape = _meters.Scrape();
        ProcessResult result = await Promtool.CheckMetricsAsync(scrape);

        string report = $"promtool check metrics (exit {result.ExitCode}, timed out: {result.TimedOut}):\n{result.Combined}\n--- scrape ---\n{scrape}";
        Assert.False(result.TimedOut, report);
        Assert.True(result.ExitCode == 0, report);
        Assert.True(string.IsNullOrWhiteSpace(result.Combined), report);
        foreach (string family in new[] { "counter", "gauge", "histogram" })
        {
            Assert.Contains($" {family}\n", scrape, StringComparison.Ordinal);
        }
    }
}
