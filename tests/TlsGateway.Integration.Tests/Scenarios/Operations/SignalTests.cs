using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// SIGHUP reaches every tlsgw alike (operators, `systemctl reload`, log rotation): processes with
/// nothing to reload say so and keep running instead of taking the runtime's default, which ends them.
/// </summary>
public sealed class SignalTests
{
    [Fact]
    public async Task Ca_serve_logs_a_SIGHUP_and_keeps_serving()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        int admin = FreePort.Next();
        await using TlsgwProcess serve = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{admin}", "--grpc-listen", "off"]);
        await serve.WaitForPortAsync(admin);

        await ProcessRunner.RunAsync("kill", ["-HUP", serve.Pid.ToString()]);
        await serve.WaitForOutputAsync("SIGHUP: nothing to reload");

        Assert.False(serve.HasExited);
        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{admin}/healthz"));
        Assert.Equal(0, await serve.StopAsync());
    }
}
