using System.Security.Cryptography.X509Certificates;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>
/// TLS origination: `tlsgw serve` speaks mutual TLS to its upstream with its own identity, and
/// checks the upstream's. Every case runs on both of the edge's paths: the event loops, and the
/// task-based path (<c>event_loops: false</c>), which host-named upstreams still take.
/// </summary>
public sealed class UpstreamTlsTests
{
    private static string UpstreamTls(string serverName, string extra = "") =>
        $"tls: {{ trust_bundle: {TestPki.Instance.CaPath}, server_name: {serverName}, " +
        $"certificate: {{ cert: {TestPki.Instance.PathOf("client.pem")}, key: {TestPki.Instance.PathOf("client.key")} }}{extra} }}";

    // `tlsgw serve` with one listener whose chain originates TLS to the upstream on `upstreamPort`,
    // expecting `serverName`; the listener's path is checked against its log line.
    private static async Task<(ServeProcess Serve, int Port)> ServeInFrontOfAsync(int upstreamPort, string serverName, bool onEventLoop,
        int? deadPortFirst = null, string upstreamTlsExtra = "")
    {
        int port = FreePort.Next();
        string[] endpoints = deadPortFirst is { } dead ? [$"127.0.0.1:{dead}", $"127.0.0.1:{upstreamPort}"] : [$"127.0.0.1:{upstreamPort}"];
        string upstream = (deadPortFirst is null ? "" : "eject_after_failures: 1, eject_for: 30s, ") + UpstreamTls(serverName, upstreamTlsExtra);
        string chain = ServeConfig.Chain("main", [], "default", endpoints, upstream: upstream);
        ServeProcess serve = await ServeProcess.StartAsync(ServeConfig.Listener(port, [chain], eventLoops: onEventLoop), port,
            expectedLine: onEventLoop
                ? "Listener 'public' runs its connections on the event loops"
                : "Listener 'public' runs its connections on the task-based path: event_loops is off");
        return (serve, port);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_edge_reaches_an_mTLS_upstream_with_its_own_SPIFFE_identity(bool onEventLoop)
    {
        var requireFrontend = new ClientAuthOptions(ClientCertificateMode.Required, TestPki.Instance.Read("ca.pem"),
            new SpiffeAuthorizer(["spiffe://test.local/ns/default/sa/frontend"]));
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa", clientAuth: requireFrontend);
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop);
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.True(result.Echoed("ping"), result.Output + serve.Process.Output);
        Assert.True(upstream.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal("spiffe://test.local/ns/default/sa/frontend", session.Peer?.SpiffeId);
        Assert.Equal("example.test", session.Facts.ServerName);
    }

    [Theory]
    [InlineData(EchoServer.Ending.CloseNotify, true)]
    [InlineData(EchoServer.Ending.Fin, true)]
    [InlineData(EchoServer.Ending.Reset, true)]
    [InlineData(EchoServer.Ending.CloseNotify, false)]
    [InlineData(EchoServer.Ending.Fin, false)]
    [InlineData(EchoServer.Ending.Reset, false)]
    public async Task Only_the_upstreams_close_notify_gives_the_client_a_clean_end(EchoServer.Ending ending, bool onEventLoop)
    {
        // A bare FIN or a reset may have cut the reply short (and anyone on the path can forge
        // either): the client must never get the close_notify that says a reply is complete after one.
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext) { EndsWith = ending };
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop);
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.True(result.Echoed("ping"), result.Output + serve.Process.Output);
        bool clean = ending == EchoServer.Ending.CloseNotify;
        Assert.True(result.ClosedByCloseNotify == clean, result.Output);
        Assert.True(result.EndedAbruptly != clean, result.Output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_upstreams_profile_caps_the_version_the_edge_offers(bool onEventLoop)
    {
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop,
            upstreamTlsExtra: ", profile: { max_version: \"1.2\" }");
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.True(result.Echoed("ping"), result.Output + serve.Process.Output);
        Assert.True(upstream.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal("TLSv1.2", TlsVersionNames.ToDisplay(session.Facts.Version));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upstream_whose_certificate_does_not_match_the_expected_name_is_refused(bool onEventLoop)
    {
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "wrong.test", onEventLoop);
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.False(result.Echoed("ping"));
        Assert.True(result.ClosedByCloseNotify, result.Output); // refused cleanly: nothing was forwarded to be cut short
        Assert.Empty(upstream.Sessions);
        await serve.Process.WaitForOutputAsync("TLS handshake with upstream");
        Assert.Contains("BadCertificate", serve.Process.Output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_dead_endpoint_before_a_live_TLS_one_costs_clients_nothing(bool onEventLoop)
    {
        // What each client sends with its Finished waits, as plaintext, through the failed connect
        // and the handshake with the live endpoint.
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop, deadPortFirst: FreePort.Next());
        await using var _ = serve;

        for (int i = 0; i < 4; i++)
        {
            SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test", line: $"n{i}");
            Assert.True(result.Echoed($"n{i}"), result.Output + serve.Process.Output);
        }

        await serve.Process.WaitForOutputAsync("ejected after 1 consecutive connect failures");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Megabytes_cross_the_upstreams_TLS_both_ways_in_order_and_end_cleanly(bool onEventLoop)
    {
        // The client writes at once, while the edge may still be in its handshake with the upstream
        // (held back, then encrypted), and half-closes; the upstream reads to the edge's close_notify,
        // then answers with more than the sockets on the way can hold.
        const int total = 8 * 1024 * 1024;
        using X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(TestPki.Instance.PathOf("ecdsa.pem"), TestPki.Instance.PathOf("ecdsa.key"));
        await using var upstream = new BulkUpstream(total, replyAfterEndOfRequest: true, certificate: certificate);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");
        byte[] request = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(request);

        await client.WriteAsync(request);
        await client.ShutdownAsync();

        int received = await BulkUpstream.ReadPatternToEndAsync(client, TimeSpan.FromSeconds(60));
        Assert.True(received == total, $"{received} of {total} bytes arrived; upstream: {upstream.Request.Task.Status} {upstream.Request.Task.Exception}\n{serve.Process.Output}");
        Assert.True(client.CloseNotifyReceived, "the stream did not end with close_notify");
        Assert.Equal(request, await upstream.Request.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upstream_that_speaks_first_and_hangs_up_right_after_its_handshake_is_heard_out(bool onEventLoop)
    {
        // TLS 1.2: the server's Finished comes last, and here its reply and close_notify go out in
        // the same write, so they arrive in the read that completes the edge's handshake. They are
        // a whole reply, not a failed handshake.
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa", TlsProfile.Default with { MaxVersion = TlsVersion.Tls12 });
        await using var upstream = new SpeakFirstUpstream(upstreamContext, "banner\n"u8.ToArray());
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");

        var received = new MemoryStream();
        byte[] buffer = new byte[1024];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        int n;
        while ((n = await client.ReadAsync(buffer, limit.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        Assert.True(received.ToArray().AsSpan().SequenceEqual("banner\n"u8), $"received '{System.Text.Encoding.ASCII.GetString(received.ToArray())}'\n{serve.Process.Output}");
        Assert.True(client.CloseNotifyReceived, "the upstream's whole reply did not end with close_notify");
        Assert.DoesNotContain("TLS handshake with upstream", serve.Process.Output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upstream_that_never_answers_the_handshake_ends_the_clients_stream_at_the_connect_timeout(bool onEventLoop)
    {
        await using var upstream = new SilentUpstream();
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream.Port, "example.test", onEventLoop);
        await using var _ = serve;
        await using TlsTestClient client = await TlsTestClient.ConnectAsync(port, "default.test");

        // The chain's connect timeout is 2 s (ServeConfig); the client's stream ends cleanly, with nothing forwarded.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await client.ReadAsync(new byte[1024], new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token));
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"the client waited {waited.Elapsed.TotalSeconds:0.0} s");
        Assert.True(client.CloseNotifyReceived, "the client's stream did not end with close_notify");
        await serve.Process.WaitForOutputAsync("TLS handshake with upstream");
        Assert.Contains("Timeout", serve.Process.Output);
        Assert.Equal(1, upstream.Accepted);
    }

    // Accepts, and says nothing until the edge gives up.
    private sealed class SilentUpstream : LoopbackServer
    {
        public SilentUpstream() => Start();

        protected override async Task ServeAsync(System.Net.Sockets.Socket client)
        {
            using (client)
            {
                byte[] buffer = new byte[4096];
                try
                {
                    while (await client.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None) > 0)
                    {
                    }
                }
                catch (System.Net.Sockets.SocketException)
                {
                }
            }
        }
    }

    // A TLS server (the engine, driven by hand) that sends its last handshake flight, `reply` and
    // close_notify in one write, then a FIN.
    private sealed class SpeakFirstUpstream : LoopbackServer
    {
        private readonly TlsServerContext _context;
        private readonly byte[] _reply;

        public SpeakFirstUpstream(TlsServerContext context, byte[] reply)
        {
            _context = context;
            _reply = reply;
            Start();
        }

        protected override async Task ServeAsync(System.Net.Sockets.Socket client)
        {
            using (client)
            using (TlsConnection tls = _context.CreateConnection())
            {
                byte[] input = new byte[17 * 1024];
                byte[] plaintext = new byte[17 * 1024];
                byte[] output = new byte[64 * 1024];
                try
                {
                    int n;
                    while ((n = await client.ReceiveAsync(input, System.Net.Sockets.SocketFlags.None)) > 0)
                    {
                        TlsStepResult step = tls.Process(input.AsSpan(0, n), plaintext, output);
                        var flight = new MemoryStream();
                        flight.Write(output, 0, step.OutputLength);
                        if (step.HandshakeDone)
                        {
                            TlsStepResult written = tls.Write(_reply, output);
                            flight.Write(output, 0, written.OutputLength);
                            flight.Write(output, 0, tls.Shutdown(output));
                        }

                        await client.SendAsync(flight.ToArray(), System.Net.Sockets.SocketFlags.None);
                        if (step.HandshakeDone || step.Status == Interop.NativeStatus.Error)
                        {
                            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                            return;
                        }
                    }
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // the edge went away; the test's assertions say what matters
                }
            }
        }
    }
}
