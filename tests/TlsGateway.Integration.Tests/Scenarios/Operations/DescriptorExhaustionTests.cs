using System.Net.Sockets;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// An edge near its open-file limit refuses new connections at accept while descriptors are still
/// free (running out once aborted the .NET runtime on the first EMFILE), says so a bounded number
/// of times, and serves again once connections end.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    [Fact]
    public async Task Near_the_descriptor_limit_the_edge_refuses_new_connections_logs_a_few_lines_and_recovers()
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

        // More connections than the process has descriptors for; those it holds wait in their handshake.
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 400; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", port);
                held.Add(socket);
            }

            await edge.WaitForOutputAsync("the descriptor limit (300)");
            await Task.Delay(2_000); // a line per refused connection would be hundreds meanwhile
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        int lines = edge.Output.Split('\n').Count(l => l.Contains("Connection limit", StringComparison.Ordinal));
        Assert.InRange(lines, 1, 10);
        Assert.Contains("the edge holds at most 22 client connections at once", edge.Output);
        Assert.DoesNotContain("Out of file descriptors", edge.Output);
        Assert.False(edge.HasExited, edge.Output);
        SClientResult after = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", timeout: TimeSpan.FromSeconds(30));
        Assert.Contains("upstream:ping", after.Process.StandardOutput);
        MetricsScrape metrics = await MetricsScrape.GetAsync(admin);
        Assert.True(metrics.Sum("tlsgw_edge_connections_rejected_total", ("listener", "edge"), ("reason", "connection_limit")) >= 300);
        Assert.Equal(0, await edge.StopAsync());
    }
}
