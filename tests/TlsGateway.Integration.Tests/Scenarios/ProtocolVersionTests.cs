using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>TLS 1.2 and 1.3 against the real openssl s_client, and refusal of everything older.</summary>
public sealed class ProtocolVersionTests
{
    [Theory]
    [InlineData("-tls1_3", "TLSv1.3")]
    [InlineData("-tls1_2", "TLSv1.2")]
    public async Task Openssl_client_completes_a_handshake_and_gets_its_data_echoed(string versionFlag, string expected)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [versionFlag]);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.Equal(expected, result.Protocol);
        Assert.True(result.VerifiedOk, result.Output);
        Assert.Equal(1, server.Stats.Completed);
    }

    [Fact]
    public async Task A_TLS_1_1_client_is_refused_with_a_protocol_version_alert_and_counted()
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context);

        // OpenSSL's default security level forbids TLS 1.1 in the client too; level 0 lets it try.
        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);

        Assert.False(result.Echoed("ping"));
        Assert.Contains("alert protocol version", result.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.ProtocolVersion));
    }

    [Fact]
    public async Task A_server_capped_at_TLS_1_2_refuses_a_TLS_1_3_only_client()
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", TlsProfile.Default with { MaxVersion = TlsVersion.Tls12 });
        await using var server = new EchoServer(context);

        SClientResult capped = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ["-tls1_3"]);
        SClientResult either = await OpenSslClient.ConnectAsync(server.Address, "example.test");

        Assert.False(capped.Echoed("ping"));
        Assert.Contains("alert protocol version", capped.Output);
        Assert.True(either.Echoed("ping"), either.Output);
        Assert.Equal("TLSv1.2", either.Protocol);
    }

    [Fact]
    public async Task Clients_that_close_right_after_their_Finished_count_as_completed_handshakes_not_failures()
    {
        // openssl s_time -new finishes each TLS 1.3 handshake and closes at once, before the
        // server's session tickets arrive: sending them then fails, after a completed handshake.
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context);

        ProcessResult run = await ProcessRunner.RunAsync("openssl",
            ["s_time", "-connect", server.Address, "-new", "-time", "1", "-tls1_3"], timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(0, run.ExitCode);
        Assert.True(server.Stats.Completed >= 20, $"only {server.Stats.Completed} handshakes completed: {run.Combined}");
        Assert.Equal(0, server.Stats.TotalFailed);
    }
}
