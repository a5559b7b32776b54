using System.Net;
using System.Net.Sockets;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Slowloris, upstreams down and SIGTERM drain, against the real `tlsgw serve` process.</summary>
public sealed class ServeFaultTests
{
    [Fact]
    public async Task A_thousand_stalled_handshakes_do_not_stop_a_good_client_and_are_reclaimed_by_the_timeout()
    {
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])],
            limits: "{ handshake_timeout: 2s, max_connections: 5000 }");
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        var stalled = new List<Socket>();
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                stalled.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01 }, SocketFlags.None); // a record header, never finished
            }

            SClientResult good = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");
            Assert.Contains("upstream:ping", good.Process.StandardOutput);

            // Every stalled connection is closed by the server once the handshake timeout passes.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            int closed = 0;
            var buffer = new byte[64];
            foreach (Socket socket in stalled)
            {
                try
                {
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token) > 0)
                    {
                    }
                }
                catch (SocketException)
                {
                    // Reset counts as closed too.
                }

                closed++;
            }

            Assert.Equal(1000, closed);
        }
        finally
        {
            stalled.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task With_every_upstream_down_the_client_session_is_closed_promptly()
    {
        int port = FreePort.Next();
        int dead = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [$"127.0.0.1:{dead}"])]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");

        int received = await client.ReadToEndAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, received);
        await serve.Process.WaitForOutputAsync("No upstream of chain main accepted");
    }

    [Fact]
    public async Task A_dead_endpoint_beside_a_live_one_costs_clients_nothing()
    {
        await using var live = new PlainEchoUpstream("live");
        int port = FreePort.Next();
        int dead = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [$"127.0.0.1:{dead}", live.Address],
            upstream: "eject_after_failures: 1, eject_for: 30s")]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);

        var results = new List<SClientResult>();
        for (int i = 0; i < 4; i++)
        {
            results.Add(await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test", line: $"n{i}"));
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.Contains($"live:n{i}", results[i].Process.StandardOutput);
        }

        await serve.Process.WaitForOutputAsync("ejected after 1 consecutive connect failures");
    }

    [Fact]
    public async Task SIGTERM_stops_new_connections_and_lets_an_open_one_finish()
    {
        await using var upstream = new PlainEchoUpstream("up", streaming: true);
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address])]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        TlsTestClient open = await TlsTestClient.ConnectAsync(port, "default.test");
        Assert.Contains("up:before", await open.ExchangeAsync("before"));

        await serve.SignalAsync("TERM");
        await serve.Process.WaitForOutputAsync("Draining 1 connections");
        // The line is written just before the listening socket closes: poll (bounded) for the refusal.
        await Eventually.EqualAsync(false, () => LoopbackProbe.Accepts(port));
        Assert.Contains("up:during", await open.ExchangeAsync("during"));
        Assert.False(serve.Process.HasExited);

        await open.DisposeAsync();
        Assert.Equal(0, await serve.Process.StopAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("Stopped", serve.Process.Output);
    }
}
