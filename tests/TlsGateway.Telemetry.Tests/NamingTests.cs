using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

public sealed class NamingTests : IDisposable
{
    private readonly IsolatedMeters _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_escapes", description: "Escapes");
        _ = _meters.Collector;

        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\certs\\\"new\"\nline"));

        Assert.Contains("\ntlsgw_test_escapes_total{path=\"C:\\\\certs\\\\\\\"new\\\"\\nline\"} 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_tag_value_is_an_empty_label_value()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_nulls", description: "Nulls");
        _ = _meters.Collector;

        counter.Add(1, new KeyValuePair<string, object?>("sni", null));

        Assert.Contains("\ntlsgw_test_nulls_total{sni=\"\"} 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_string_tag_values_are_rendered_with_the_invariant_culture()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_numbers", description: "Numbers");
        _ = _meters.Collector;

        counter.Add(1, new KeyValuePair<string, object?>("port", 8443), new KeyValuePair<string, object?>("ratio", 0.5));

        Assert.Contains("\ntlsgw_test_numbers_total{port=\"8443\",ratio=\"0.5\"} 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_characters_in_metric_and_label_names_become_underscores()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw.edge-alerts sent", description: "Alerts");
        _ = _meters.Collector;

        counter.Add(1, new("tls.alert-name", "bad_certificate"), new("1st", "x"), new("__internal", "y"));

        Assert.Contains(
            "\ntlsgw_edge_alerts_sent_total{_1st=\"x\",tag___internal=\"y\",tls_alert_name=\"bad_certificate\"} 1\n",
            _meters.Scrape(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Two_tags_that_sanitize_to_the_same_label_name_keep_only_the_first_in_sorted_order()
    {
        // A repeated label name would make the whole scrape unparseable.
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_clash", description: "Clash");
        _ = _meters.Collector;

        counter.Add(1, new("a-b", "dash"), new("a.b", "dot"));

        Assert.Contains("\ntlsgw_test_clash_total{a_b=\"dash\"} 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_without_a_name_is_exposed_as_an_underscore_label_instead_of_throwing_into_the_caller()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_unnamed", description: "Unnamed");
        _ = _meters.Collector;

        counter.Add(1, default(KeyValuePair<string, object?>));
        counter.Add(1, default(KeyValuePair<string, object?>));

        Assert.Contains("\ntlsgw_test_unnamed_total{_=\"\"} 2\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline_but_not_quotes()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_help", description: "First line\nsecond \"line\" with C:\\path");
        _ = _meters.Collector;

        counter.Add(1);

        Assert.StartsWith("# HELP tlsgw_test_help_total First line\\nsecond \"line\" with C:\\\\path\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_instrument_without_a_description_gets_its_name_as_help()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_test_undocumented");
        _ = _meters.Collector;

        counter.Add(1);

        Assert.StartsWith("# HELP tlsgw_test_undocumented_total tlsgw_test_undocumented_total\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_unit_is_not_appended_to_the_name()
    {
        Counter<long> counter = _meters.Create().CreateCounter<long>("tlsgw_edge_bytes", unit: "By", description: "Bytes");
        _ = _meters.Collector;

        counter.Add(1);

        Assert.Contains("\ntlsgw_edge_bytes_total 1\n", _meters.Scrape(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e21, "1E+21")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    public void Double_values_are_spelled_the_way_prometheus_parses_them(double value, string expected)
    {
        Assert.Equal(expected, PrometheusNames.Value(value));
    }
}
