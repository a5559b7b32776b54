using System.Net;
using System.Net.Sockets;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>
/// Garbage, truncated and stalled handshakes: each connection ends with the right alert and a
/// classified, counted reason, and none of it disturbs other connections. Each test runs on both
/// paths of the listener: the edge's event loops, and the task-based path of custom handlers.
/// </summary>
public sealed class BadInputTests
{
    // A complete handshake record holding a ClientHello whose body is one byte: not decodable.
    private static readonly byte[] s_garbageRecord = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0xFF];

    private static async Task<byte[]> SendAndReadUntilClosedAsync(int port, byte[] payload, bool halfClose = false, TimeSpan? within = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(payload, SocketFlags.None);
        if (halfClose)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // A reset after the alert is a close too.
        }

        return received.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_malformed_ClientHello_gets_a_fatal_alert_and_is_counted_as_malformed(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);

        byte[] reply = await SendAndReadUntilClosedAsync(server.Port, s_garbageRecord);

        // Alert record: content type 21, then level 2 (fatal).
        Assert.True(reply.Length >= 7, $"expected an alert record, got {reply.Length} bytes");
        Assert.Equal(0x15, reply[0]);
        Assert.Equal(0x02, reply[5]);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.Malformed));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Plain_HTTP_sent_to_the_TLS_port_is_classified_as_such(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);

        await SendAndReadUntilClosedAsync(server.Port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.PlaintextHttp));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_truncated_ClientHello_followed_by_a_close_is_counted_as_peer_closed(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);

        await SendAndReadUntilClosedAsync(server.Port, s_garbageRecord[..4], halfClose: true);

        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.PeerClosed));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stalled_handshake_times_out_while_other_clients_are_served(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context, handshakeTimeout: TimeSpan.FromSeconds(1), onEventLoop: onEventLoop);

        Task<byte[]> stalled = SendAndReadUntilClosedAsync(server.Port, s_garbageRecord[..3]);
        SClientResult meanwhile = await OpenSslClient.ConnectAsync(server.Address, "example.test");
        await stalled;

        Assert.True(meanwhile.Echoed("ping"), meanwhile.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.Timeout));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_distrusts_the_server_certificate_is_counted_as_unknown_CA(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa");
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", caFile: TestPki.Instance.PathOf("rogue-ca.pem"));

        Assert.False(result.Echoed("ping"));
        Assert.Contains("unable to get local issuer certificate", result.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.UnknownCa));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_finds_the_server_certificate_expired_is_counted_as_such(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("expired");
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "expired.test");

        Assert.False(result.Echoed("ping"));
        Assert.Contains("certificate has expired", result.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.CertificateExpired));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Failed_handshakes_on_many_connections_never_leak_errors_into_good_ones(bool onEventLoop)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", clientAuth: new ClientAuthOptions(
            ClientCertificateMode.Required, TestPki.Instance.Read("ca.pem")));
        await using var server = new EchoServer(context, onEventLoop: onEventLoop);
        string[] good = ["-cert", TestPki.Instance.PathOf("client.pem"), "-key", TestPki.Instance.PathOf("client.key")];

        // Interleave garbage, refused clients and good clients; bounded: 8 of each.
        var attempts = new List<Task<SClientResult>>();
        var garbage = new List<Task<byte[]>>();
        for (int i = 0; i < 8; i++)
        {
            garbage.Add(SendAndReadUntilClosedAsync(server.Port, s_garbageRecord));
            attempts.Add(OpenSslClient.ConnectAsync(server.Address, "example.test", line: $"bad{i}"));
            attempts.Add(OpenSslClient.ConnectAsync(server.Address, "example.test", line: $"good{i}", extra: good));
        }

        SClientResult[] results = await Task.WhenAll(attempts);
        await Task.WhenAll(garbage);

        for (int i = 0; i < 8; i++)
        {
            Assert.False(results[2 * i].Echoed($"bad{i}"));
            Assert.True(results[(2 * i) + 1].Echoed($"good{i}"), results[(2 * i) + 1].Output);
        }

        await Eventually.EqualAsync(8, () => server.Stats.Failed(TlsFailureReason.Malformed));
        await Eventually.EqualAsync(8, () => server.Stats.Failed(TlsFailureReason.CertificateRequired));
    }
}
