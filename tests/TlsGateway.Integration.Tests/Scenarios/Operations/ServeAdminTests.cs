using System.Net;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>`tlsgw serve` with an `admin` section, and `serve --check` as deploy pipelines run it.</summary>
public sealed class ServeAdminTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Serve_runs_the_admin_port_its_config_names_with_the_listener_and_access_log_settings()
    {
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        int admin = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("web", [], "ecdsa", [upstream.Address])])
            .Replace("    - name: public\n", "    - name: public\n      access_log: true\n", StringComparison.Ordinal)
            + $"admin:\n  listen: 127.0.0.1:{admin}\n";
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        await serve.Process.WaitForPortAsync(admin);

        Assert.Contains("upstream:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test")).Process.StandardOutput);
        MetricsScrape metrics = await MetricsTests.EventuallyAsync(admin, m => m.Sum("tlsgw_edge_handshakes_total", ("listener", "public"), ("result", "ok")) == 1);

        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("listener", "public"), ("result", "ok")));
        Assert.Single(metrics.Matching("tlsgw_certificate_expiry_seconds", ("role", "edge"), ("name", "public/web")));
        Assert.Equal(HttpStatusCode.OK, (await s_http.GetAsync($"http://127.0.0.1:{admin}/readyz")).StatusCode);
        await serve.Process.WaitForOutputAsync("listener=public chain=web");
    }

    [Fact]
    public async Task Check_accepts_a_valid_config_and_names_the_line_and_key_of_a_wrong_one_without_starting_anything()
    {
        using var directory = new TempDirectory();
        int port = FreePort.Next();
        string valid = directory.Write("ok.yaml", ServeConfig.Listener(port, [ServeConfig.Chain("web", [], "ecdsa", ["127.0.0.1:9"])]) + "admin: {}\n");
        string wrong = directory.Write("wrong.yaml", ServeConfig.Listener(port, [ServeConfig.Chain("web", [], "ecdsa", ["127.0.0.1:9"])])
            + "admin:\n  lisen: 127.0.0.1:9901\n");

        ProcessResult ok = await ProcessRunner.RunAsync("dotnet", [RepoPaths.TlsgwDll, "serve", "--check", "-c", valid]);
        ProcessResult refused = await ProcessRunner.RunAsync("dotnet", [RepoPaths.TlsgwDll, "serve", "--check", "-c", wrong]);

        Assert.True(ok.ExitCode == 0, ok.Combined);
        Assert.Contains("OK (edge, admin)", ok.StandardOutput);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"{wrong}:", refused.Combined);
        Assert.Contains("admin.lisen: unknown key; did you mean 'listen'?", refused.Combined);
        Assert.False(LoopbackProbe.Accepts(port), "--check must not open the listener");
    }
}
