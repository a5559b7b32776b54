using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Server-side ALPN selection (RFC 7301) against s_client and curl.</summary>
public sealed class AlpnTests
{
    [Fact]
    public async Task The_server_preference_wins_among_protocols_the_client_offers()
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", alpn: ["h2", "http/1.1"]);
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ["-alpn", "http/1.1,h2"]);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal("h2", result.Alpn);
        Assert.True(server.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal("h2", session.Facts.ApplicationProtocol);
    }

    [Fact]
    public async Task A_client_offering_only_unknown_protocols_gets_no_application_protocol()
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", alpn: ["h2", "http/1.1"]);
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ["-alpn", "spdy/3"]);

        Assert.False(result.Echoed("ping"));
        Assert.Contains("no application protocol", result.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.NoApplicationProtocol));
    }

    [Fact]
    public async Task A_client_without_ALPN_is_served_without_it()
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", alpn: ["h2"]);
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test");

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Contains("No ALPN negotiated", result.Output);
    }

    [Theory]
    [InlineData("--tlsv1.3", "TLSv1.3")]
    [InlineData("--tls-max", "TLSv1.2")]
    public async Task Curl_fetches_over_the_engine_with_http_1_1_negotiated(string flag, string expectedVersion)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", alpn: ["h2", "http/1.1"]);
        await using var server = new EchoServer(context, http: true);
        string[] versionArgs = flag == "--tls-max" ? ["--tlsv1.2", "--tls-max", "1.2"] : [flag];

        ProcessResult curl = await ProcessRunner.RunAsync("curl",
        [
            "-sS", "--http1.1", "--cacert", TestPki.Instance.CaPath, .. versionArgs,
            "--resolve", $"example.test:{server.Port}:127.0.0.1", $"https://example.test:{server.Port}/",
        ]);

        Assert.Equal(0, curl.ExitCode);
        Assert.Equal($"hello over {expectedVersion} alpn=http/1.1\n", curl.StandardOutput);
    }
}
