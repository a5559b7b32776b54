using System.Diagnostics.Metrics;
using TlsGateway.Telemetry.Tests.Infrastructure;

namespace TlsGateway.Telemetry.Tests;

[Collection(SerialCollection.Name)]
public sealed class DefaultFilterTests
{
    [Fact]
    public void Without_a_filter_only_meters_whose_name_starts_with_TlsGateway_are_exposed()
    {
        string unique = Guid.NewGuid().ToString("N");
        using var ours = new Meter("TlsGateway.Tests." + unique);
        using var outsider = new Meter("Outsider." + unique);
        using var collector = new MetricsCollector();

        ours.CreateCounter<long>("tlsgw_test_ours_" + unique, description: "Ours").Add(1);
        outsider.CreateCounter<long>("outsider_requests_" + unique, description: "Not ours").Add(1);

        string scrape = collector.Scrape();
        Assert.Contains($"\ntlsgw_test_ours_{unique}_total 1\n", scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("outsider_requests", scrape, StringComparison.Ordinal);
    }
}
