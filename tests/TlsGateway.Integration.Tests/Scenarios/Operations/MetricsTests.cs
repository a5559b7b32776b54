using System.Security.Cryptography.X509Certificates;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// /metrics on the admin port, read by the tools that will read it in production: promtool
/// checks the exposition format, a real Prometheus server scrapes it, and the values match
/// what the test did to the edge.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_handshakes_connections_and_bytes_and_pass_promtool()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, int port, int admin) = await StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;

        for (int i = 0; i < 3; i++)
        {
            Assert.Contains("upstream:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test")).Process.StandardOutput);
        }

        SClientResult tooOld = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
        Assert.DoesNotContain("upstream:", tooOld.Process.StandardOutput);

        MetricsScrape metrics = await EventuallyAsync(admin, m => m.Sum("tlsgw_edge_connections_active", ("listener", "edge")) == 0
            && m.Sum("tlsgw_edge_connections_total", ("listener", "edge")) == 4);
        Assert.Equal(3, metrics.Sum("tlsgw_edge_handshakes_total", ("listener", "edge"), ("result", "ok"), ("engine", "openssl"), ("version", "TLSv1.3")));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("listener", "edge"), ("result", "protocol_version")));
        Assert.Equal(3, metrics.Sum("tlsgw_edge_handshake_duration_seconds_count", ("listener", "edge"), ("result", "ok")));
        Assert.Equal(3, metrics.Sum("tlsgw_edge_handshake_duration_seconds_bucket", ("listener", "edge"), ("result", "ok"), ("le", "+Inf")));
        Assert.Equal(3 * "ping\n".Length, metrics.Sum("tlsgw_edge_received_bytes_total", ("listener", "edge")));
        Assert.Equal(3 * "upstream:ping\n".Length, metrics.Sum("tlsgw_edge_sent_bytes_total", ("listener", "edge")));

        // The on-call alert: seconds until the served certificate expires.
        using X509Certificate2 served = X509Certificate2.CreateFromPem(File.ReadAllText(pki.PathOf("ecdsa.pem")));
        var expiry = metrics.Matching("tlsgw_certificate_expiry_seconds", ("role", "edge"), ("name", "edge/default"));
        Assert.Single(expiry);
        Assert.Equal(served.SerialNumber.ToLowerInvariant(), expiry[0].Labels["serial"]);
        Assert.InRange(expiry[0].Value, (served.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds - 60, (served.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalSeconds + 1);

        ProcessResult promtool = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], metrics.Text);
        Assert.True(promtool.ExitCode == 0 && promtool.Combined.Trim().Length == 0, $"promtool check metrics ({promtool.ExitCode}):\n{promtool.Combined}\n{metrics.Text}");
        Assert.Equal(0, await edge.StopAsync());
    }

    [Fact]
    public async Task Client_chains_are_counted_as_verified_in_full_once_then_as_answered_from_the_cache()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, int port, int admin) = await StartEdgeAsync(upstream.Address, "--ca", pki.CaPath, "--require-client-cert");
        await using TlsgwProcess owned = edge;
        string[] clientCertificate = ["-cert", pki.PathOf("client.pem"), "-key", pki.PathOf("client.key")];

        // s_client offers no session: each connection is a full handshake with the same chain.
        for (int i = 0; i < 3; i++)
        {
            Assert.Contains("upstream:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: clientCertificate)).Process.StandardOutput);
        }

        MetricsScrape metrics = await EventuallyAsync(admin, m => m.Sum("tlsgw_edge_client_chain_verifications_total", ("listener", "edge")) == 3);
        Assert.Equal(1, metrics.Sum("tlsgw_edge_client_chain_verifications_total", ("listener", "edge"), ("source", "full")));
        Assert.Equal(2, metrics.Sum("tlsgw_edge_client_chain_verifications_total", ("listener", "edge"), ("source", "cache")));
        Assert.Equal(0, await edge.StopAsync());
    }

    [Fact]
    public async Task Upstream_connect_failures_and_the_ejection_they_cause_are_counted_per_endpoint()
    {
        int deadPort = FreePort.Next();
        (TlsgwProcess edge, int port, int admin) = await StartEdgeAsync($"127.0.0.1:{deadPort}");
        await using TlsgwProcess owned = edge;

        for (int i = 0; i < 3; i++)
        {
            Assert.DoesNotContain("upstream:", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test")).Process.StandardOutput);
        }

        MetricsScrape metrics = await EventuallyAsync(admin, m => m.Sum("tlsgw_edge_upstream_unavailable_total", ("chain", "default")) == 3);
        (string, string)[] endpoint = [("chain", "default"), ("endpoint", $"127.0.0.1:{deadPort}")];
        Assert.Equal(3, metrics.Sum("tlsgw_edge_upstream_connect_failures_total", endpoint));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_upstream_ejections_total", endpoint)); // ejected after 3 in a row
        Assert.Equal(0, await edge.StopAsync());
    }

    [Fact]
    public async Task A_real_prometheus_server_scrapes_the_admin_port()
    {
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, int port, int admin) = await StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;
        Assert.Contains("upstream:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test")).Process.StandardOutput);

        await using PrometheusServer prometheus = PrometheusServer.Start($"127.0.0.1:{admin}");
        double handshakes = await prometheus.WaitForValueAsync("sum(tlsgw_edge_handshakes_total{result=\"ok\"})", TimeSpan.FromSeconds(45));
        double expiry = await prometheus.WaitForValueAsync("min(tlsgw_certificate_expiry_seconds{role=\"edge\"})", TimeSpan.FromSeconds(10));

        Assert.Equal(1, handshakes);
        Assert.True(expiry > 0, $"expiry {expiry}");
        Assert.All(await prometheus.TargetsAsync(), t => Assert.True(t.Health == "up", $"target {t.Health}: {t.Error}"));
        Assert.Equal(0, await edge.StopAsync());
    }

    internal static async Task<(TlsgwProcess Edge, int Port, int Admin)> StartEdgeAsync(string upstream, params string[] extra)
    {
        TestPki pki = TestPki.Instance;
        int port = FreePort.Next();
        int admin = FreePort.Next();
        TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream,
            "--cert", pki.PathOf("ecdsa.pem"), "--key", pki.PathOf("ecdsa.key"), "--admin", $"127.0.0.1:{admin}", .. extra,
        ]);
        try
        {
            await edge.WaitForPortAsync(port);
            await edge.WaitForPortAsync(admin);
            return (edge, port, admin);
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }
    }

    // Server-side counters move after the client has seen its result: poll (bounded) until they settle.
    internal static async Task<MetricsScrape> EventuallyAsync(int admin, Func<MetricsScrape, bool> settled)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        MetricsScrape metrics = await MetricsScrape.GetAsync(admin);
        while (!settled(metrics) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            metrics = await MetricsScrape.GetAsync(admin);
        }

        return metrics;
    }
}
