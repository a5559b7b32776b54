using System.Net.Sockets;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// An edge out of file descriptors pauses accepting instead of spinning on EMFILE (which once
/// filled its log and memory until the process died), says so a bounded number of times, and
/// serves again once descriptors are free.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    [Fact]
    public async Task Out_of_descriptors_the_edge_pauses_accepting_logs_a_few_lines_and_recovers()
    {
        await using var upstream = new PlainEchoUpstream();
        TestPki pki = TestPki.Instance;
        int port = FreePort.Next();
        int admin = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.Address,
            "--cert", pki.PathOf("ecdsa.pem"), "--key", pki.PathOf("ecdsa.key"), "--admin", $"127.0.0.1:{admin}",
        ], fileLimit: 300);
        await edge.WaitForPortAsync(port);
        await edge.WaitForPortAsync(admin);

        // More connections than the process has descriptors; they wait in their handshake.
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 400; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", port);
                held.Add(socket);
            }

            await edge.WaitForOutputAsync("Out of file descriptors");
            await Task.Delay(2_000); // a spinning accept loop would write thousands of lines meanwhile
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        int lines = edge.Output.Split('\n').Count(l => l.Contains("Out of file descriptors", StringComparison.Ordinal));
        Assert.InRange(lines, 1, 10);
        Assert.False(edge.HasExited, edge.Output);
        SClientResult after = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", timeout: TimeSpan.FromSeconds(30));
        Assert.Contains("upstream:ping", after.Process.StandardOutput);
        MetricsScrape metrics = await MetricsScrape.GetAsync(admin);
        Assert.True(metrics.Sum("tlsgw_edge_accept_pauses_total", ("listener", "edge")) >= 1);
        Assert.Equal(0, await edge.StopAsync());
    }
}
