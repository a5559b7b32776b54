using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// The edge's logs as operators read them: JSON lines for shippers, an access log line per
/// connection, and one line per failed handshake — capped, so a flood cannot fill a disk.
/// </summary>
public sealed partial class LoggingTests
{
    [Fact]
    public async Task Json_log_lines_parse_and_the_access_log_describes_each_forwarded_connection()
    {
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, int port, _) = await MetricsTests.StartEdgeAsync(upstream.Address, "--log-format", "json", "--access-log");
        await using TlsgwProcess owned = edge;

        Assert.Contains("upstream:ping", (await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test")).Process.StandardOutput);
        await edge.WaitForOutputAsync("tlsgw.access");
        Assert.Equal(0, await edge.StopAsync());

        string[] lines = edge.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var events = lines.Select(line => JsonDocument.Parse(line)).ToList();
        JsonElement access = events.Select(e => e.RootElement).Single(e => e.GetProperty("Category").GetString() == "tlsgw.access");
        string message = access.GetProperty("Message").GetString()!;
        Assert.Contains("listener=edge chain=default sni=example.test", message);
        Assert.Contains("TLSv1.3", message);
        Assert.Contains("in=5 out=14", message); // "ping\n" in, "upstream:ping\n" out
        Assert.Contains($"upstream={upstream.Address}", message);
        Assert.True(access.TryGetProperty("Timestamp", out _));
        Assert.Equal("Information", access.GetProperty("LogLevel").GetString());
    }

    [Fact]
    public async Task A_flood_of_failed_handshakes_is_logged_one_line_each_up_to_a_cap_and_the_next_line_counts_the_rest()
    {
        await using var upstream = new PlainEchoUpstream();
        (TlsgwProcess edge, int port, int admin) = await MetricsTests.StartEdgeAsync(upstream.Address);
        await using TlsgwProcess owned = edge;

        const int flood = 200;
        for (int i = 0; i < flood; i++)
        {
            await SendPlaintextAsync(port);
        }

        await MetricsTests.EventuallyAsync(admin, m => m.Sum("tlsgw_edge_handshakes_total", ("result", "plaintext_http")) == flood);
        await Task.Delay(1_500); // the budget refills
        await SendPlaintextAsync(port);
        await edge.WaitForOutputAsync("suppressed before this: ");
        Assert.Equal(0, await edge.StopAsync());

        // The start-up probe that found the port open is a failure too (peer_closed), logged before the flood.
        var failures = FailureLine().Matches(edge.Output).Where(f => f.Groups[1].Value != "peer_closed").ToList();
        Assert.InRange(failures.Count, 2, flood / 2); // capped: far fewer lines than failures
        Assert.All(failures, f => Assert.Equal("plaintext_http", f.Groups[1].Value));
        long reported = failures.Sum(f => long.Parse(f.Groups[2].Value));
        Assert.Equal(flood + 1, failures.Count + reported); // every failure is either a line or counted in one
    }

    // An HTTP request to the TLS port: a failed handshake of a known reason, cheap to make many of.
    private static async Task SendPlaintextAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buffer = new byte[256];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (await socket.ReceiveAsync(buffer, limit.Token) > 0)
        {
        }
    }

    [GeneratedRegex(@"failed: (\w+): .* \(suppressed before this: (\d+)\)")]
    private static partial Regex FailureLine();
}
