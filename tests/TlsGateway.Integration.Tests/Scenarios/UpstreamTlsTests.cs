using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>TLS origination: `tlsgw serve` speaks mutual TLS to its upstream with its own identity, and checks the upstream's.</summary>
public sealed class UpstreamTlsTests
{
    private static string UpstreamTls(string serverName) =>
        $"tls: {{ trust_bundle: {TestPki.Instance.CaPath}, server_name: {serverName}, " +
        $"certificate: {{ cert: {TestPki.Instance.PathOf("client.pem")}, key: {TestPki.Instance.PathOf("client.key")} }} }}";

    // `tlsgw serve` with one listener whose chain originates TLS to `upstream`, expecting `serverName`.
    private static async Task<(ServeProcess Serve, int Port)> ServeInFrontOfAsync(EchoServer upstream, string serverName)
    {
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "default", [upstream.Address], upstream: UpstreamTls(serverName))]);
        return (await ServeProcess.StartAsync(yaml, port), port);
    }

    [Fact]
    public async Task The_edge_reaches_an_mTLS_upstream_with_its_own_SPIFFE_identity()
    {
        var requireFrontend = new ClientAuthOptions(ClientCertificateMode.Required, TestPki.Instance.Read("ca.pem"),
            new SpiffeAuthorizer(["spiffe://test.local/ns/default/sa/frontend"]));
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa", clientAuth: requireFrontend);
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream, "example.test");
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.True(result.Echoed("ping"), result.Output + serve.Process.Output);
        await serve.Process.WaitForOutputAsync("Listener 'public' runs its connections on the task-based path: chain 'main' originates TLS to its upstream");
        Assert.True(upstream.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal("spiffe://test.local/ns/default/sa/frontend", session.Peer?.SpiffeId);
        Assert.Equal("example.test", session.Facts.ServerName);
    }

    [Theory]
    [InlineData(EchoServer.Ending.CloseNotify)]
    [InlineData(EchoServer.Ending.Fin)]
    [InlineData(EchoServer.Ending.Reset)]
    public async Task Only_the_upstreams_close_notify_gives_the_client_a_clean_end(EchoServer.Ending ending)
    {
        // A bare FIN or a reset may have cut the reply short (and anyone on the path can forge
        // either): the client must never get the close_notify that says a reply is complete after one.
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext) { EndsWith = ending };
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream, "example.test");
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.True(result.Echoed("ping"), result.Output + serve.Process.Output);
        bool clean = ending == EchoServer.Ending.CloseNotify;
        Assert.True(result.ClosedByCloseNotify == clean, result.Output);
        Assert.True(result.EndedAbruptly != clean, result.Output);
    }

    [Fact]
    public async Task An_upstream_whose_certificate_does_not_match_the_expected_name_is_refused()
    {
        using TlsServerContext upstreamContext = ServerFactory.Single("ecdsa");
        await using var upstream = new EchoServer(upstreamContext);
        (ServeProcess serve, int port) = await ServeInFrontOfAsync(upstream, "wrong.test");
        await using var _ = serve;

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.False(result.Echoed("ping"));
        Assert.Empty(upstream.Sessions);
        await serve.Process.WaitForOutputAsync("TLS handshake with upstream");
        Assert.Contains("BadCertificate", serve.Process.Output);
    }
}
