using System.Net;
using System.Text.Json;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// The admin port as an SRE and a load balancer use it: liveness, readiness, the certificate
/// list, rotation, drain and the effective config, with secrets redacted and browser-originated
/// requests refused.
/// </summary>
public sealed class AdminApiTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Health_readiness_and_the_certificate_list_describe_a_running_edge()
    {
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, _, int admin) = await MetricsTests.StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;

        HttpResponseMessage health = await s_http.GetAsync($"http://127.0.0.1:{admin}/healthz");
        HttpResponseMessage ready = await s_http.GetAsync($"http://127.0.0.1:{admin}/readyz");
        using JsonDocument certificates = JsonDocument.Parse(await s_http.GetStringAsync($"http://127.0.0.1:{admin}/admin/certificates"));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("edge: ok", await ready.Content.ReadAsStringAsync());
        JsonElement served = Assert.Single(certificates.RootElement.EnumerateArray());
        Assert.Equal("edge", served.GetProperty("role").GetString());
        Assert.Equal("edge/default", served.GetProperty("name").GetString());
        Assert.True(served.GetProperty("expires_in_seconds").GetInt64() > 0);
        Assert.Equal(0, await edge.StopAsync());
    }

    [Fact]
    public async Task Readiness_fails_while_the_edge_serves_an_expired_certificate_and_says_which()
    {
        TestPki pki = TestPki.Instance;
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", "127.0.0.1:9", "--cert", pki.PathOf("expired.pem"), "--key", pki.PathOf("expired.key"),
            "--admin", $"127.0.0.1:{admin}",
        ]);
        await edge.WaitForPortAsync(port);

        HttpResponseMessage ready = await s_http.GetAsync($"http://127.0.0.1:{admin}/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("edge: listener 'edge' chain 'default' serves a certificate that expired", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await s_http.GetAsync($"http://127.0.0.1:{admin}/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_drain_fails_readiness_and_refuses_new_connections_while_an_established_one_keeps_working()
    {
        await using var upstream = new PlainEchoUpstream(streaming: true);
        (TlsgwProcess edge, int port, int admin) = await MetricsTests.StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;
        await using TlsTestClient established = await TlsTestClient.ConnectAsync(port, "example.test");
        Assert.Contains("upstream:before", await established.ExchangeAsync("before"));

        HttpResponseMessage drain = await s_http.PostAsync($"http://127.0.0.1:{admin}/admin/drain", null);
        Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);

        HttpResponseMessage ready = await s_http.GetAsync($"http://127.0.0.1:{admin}/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("draining", await ready.Content.ReadAsStringAsync());
        await Eventually.EqualAsync(false, () => LoopbackProbe.Accepts(port));
        Assert.Contains("upstream:after", await established.ExchangeAsync("after"));
        Assert.Equal(HttpStatusCode.OK, (await s_http.GetAsync($"http://127.0.0.1:{admin}/healthz")).StatusCode);
    }

    [Fact]
    public async Task Rotation_reloads_the_edge_certificates_and_says_what_it_did()
    {
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, _, int admin) = await MetricsTests.StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;

        HttpResponseMessage rotated = await s_http.PostAsync($"http://127.0.0.1:{admin}/admin/rotate", null);
        HttpResponseMessage unknown = await s_http.PostAsync($"http://127.0.0.1:{admin}/admin/rotate?only=root-ca", null);
        HttpResponseMessage wrongMethod = await s_http.GetAsync($"http://127.0.0.1:{admin}/admin/rotate");

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Contains("edge-certificates: reloaded", await rotated.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("this process rotates: edge-certificates", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        await edge.WaitForOutputAsync("Configuration reloaded (admin API)");
    }

    [Fact]
    public async Task The_effective_config_redacts_the_key_passphrase_and_browser_requests_are_refused()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.Address, "--cert", pki.PathOf("enc.pem"),
            "--key", pki.PathOf("enc.key"), "--key-passphrase", "env:EDGE_KEY_PASS", "--admin", $"127.0.0.1:{admin}",
        ], new Dictionary<string, string> { ["EDGE_KEY_PASS"] = File.ReadAllText(pki.PathOf("enc.pass")).Trim() });
        await edge.WaitForPortAsync(admin);
        await edge.WaitForPortAsync(port);

        // The admin port opens before the edge has registered its section: ask until it has.
        string config = "";
        await Eventually.EqualAsync(true, () =>
        {
            config = s_http.GetStringAsync($"http://127.0.0.1:{admin}/admin/config").GetAwaiter().GetResult();
            return config.Contains("\"edge\"", StringComparison.Ordinal);
        });
        using var fromBrowser = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{admin}/admin/drain");
        fromBrowser.Headers.Add("Origin", "http://attacker.example");
        HttpResponseMessage refused = await s_http.SendAsync(fromBrowser);

        using JsonDocument parsed = JsonDocument.Parse(config);
        JsonElement certificate = parsed.RootElement.GetProperty("edge").GetProperty("listeners")[0].GetProperty("filter_chains")[0]
            .GetProperty("certificates")[0];
        Assert.Equal("[redacted]", certificate.GetProperty("key_passphrase").GetString());
        Assert.DoesNotContain("EDGE_KEY_PASS", config);
        Assert.Equal(pki.PathOf("enc.pem"), certificate.GetProperty("certificate_file").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s_http.GetAsync($"http://127.0.0.1:{admin}/readyz")).StatusCode);
    }
}
