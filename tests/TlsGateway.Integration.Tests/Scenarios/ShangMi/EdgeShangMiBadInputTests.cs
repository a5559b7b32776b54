using System.Net;
using System.Net.Sockets;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// Broken RFC 8998 clients against the real `tlsgw serve` with an SM2 chain: each gets its alert
/// from the edge, is counted, and disturbs nobody — a Bouncy Castle client served meanwhile, and
/// ordinary clients after, are served as usual.
/// </summary>
public sealed class EdgeShangMiBadInputTests(BouncyCastlePeerTests.PeerFixture peer) : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    // A hello the sniffer cannot parse is OpenSSL's to answer (it sends the same alert); one that
    // parses but carries a bad curveSM2 share reaches the managed engine.
    public static TheoryData<string, byte, string> BrokenHellos => new()
    {
        { "off-curve", (byte)AlertDescription.IllegalParameter, "shangmi" },
        { "short-share", (byte)AlertDescription.IllegalParameter, "shangmi" },
        { "truncated", (byte)AlertDescription.DecodeError, "openssl" },
    };

    [Theory]
    [MemberData(nameof(BrokenHellos))]
    public async Task A_broken_rfc_8998_client_hello_trickled_in_small_records_gets_its_alert_while_a_good_client_is_served(string broken, byte alert, string engine)
    {
        await using var upstream = new PlainEchoUpstream(name: "");
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address), port);

        Task<ProcessResult> good = peer.RunClientAsync(
            ["--port", port.ToString(), "--suite", "gcm", "--trust", peer.Pki("sm2-root.pem"), "--server-name", "localhost", "--message", "meanwhile"]);
        byte[] answer = await SendSlowlyAsync(port, HandshakeSamples.InRecords(Hello(broken), fragment: 40));
        ProcessResult client = await good;
        SClientResult openssl = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", line: "after", extra: ["-CAfile", peer.Pki("ecdsa-root.pem")]);

        // A plaintext fatal alert record: content type 21, version 3.3, length 2, level 2, description.
        Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, alert }, answer);
        Assert.True(client.ExitCode == 0, client.Combined + "\n" + serve.Process.Output);
        Assert.Contains("ECHO ok role=client connection=1", client.StandardOutput);
        Assert.True(openssl.Process.StandardOutput.Contains("after", StringComparison.Ordinal), openssl.Output + "\n" + serve.Process.Output);
        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", engine), ("result", "malformed"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", engine), ("result", "malformed")));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "ok")));
    }

    [Fact]
    public async Task Bytes_that_are_not_tls_on_a_shangmi_listener_get_openssl_s_answer_and_are_counted_as_before()
    {
        await using var upstream = new PlainEchoUpstream(name: "");
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address), port);

        await SendSlowlyAsync(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        SClientResult openssl = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", line: "after", extra: ["-CAfile", peer.Pki("ecdsa-root.pem")]);

        Assert.True(openssl.Process.StandardOutput.Contains("after", StringComparison.Ordinal), openssl.Output);
        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", "openssl"), ("result", "plaintext_http"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "openssl"), ("result", "plaintext_http")));
    }

    private static byte[] Hello(string broken)
    {
        ClientHello hello = HandshakeSamples.ShangMiClientHello();
        byte[] share = broken switch
        {
            "off-curve" => HandshakeSamples.Filled(65, 0x04),
            "short-share" => HandshakeSamples.Filled(33, 0x04),
            _ => Sm2Share(),
        };
        var withShare = new ClientHello(hello.LegacyVersion, hello.Random, hello.LegacySessionId, hello.CipherSuites,
            [.. hello.Extensions.Select(e => e.Type == ExtensionType.KeyShare ? ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(NamedGroup.CurveSm2, share)]) : e)]);
        byte[] message = withShare.ToMessage();
        if (broken != "truncated")
        {
            return message;
        }

        // A whole message whose body stops 9 bytes into its last extension: it parses as far as
        // the cut (RFC 8446 §6.2 decode_error).
        byte[] body = message[HandshakeMessage.HeaderLength..^9];
        return [(byte)HandshakeType.ClientHello, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];
    }

    private static byte[] Sm2Share()
    {
        using var exchange = new Crypto.ShangMi.Sm2KeyExchange();
        return exchange.KeyShare.ToArray();
    }

    // Sends in 7-byte writes 20 ms apart (the edge must wait for a whole hello), then reads what the
    // edge answers until it closes.
    private static async Task<byte[]> SendSlowlyAsync(int port, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        try
        {
            for (int at = 0; at < bytes.Length; at += 7)
            {
                await socket.SendAsync(bytes.AsMemory(at, Math.Min(7, bytes.Length - at)), SocketFlags.None);
                await Task.Delay(20);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The edge answered (and closed) before the last byte: read what it said.
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var answer = new List<byte>();
        byte[] buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
            {
                answer.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (SocketException)
        {
            // A reset after the alert: what was read is the answer.
        }

        return [.. answer];
    }

    private string Config(int port, int admin, string upstream) => $$"""
        edge:
          listeners:
            - name: public
              address: 127.0.0.1:{{port}}
              filter_chains:
                - name: both
                  certificates: [{ cert: {{peer.Pki("sm2-server-chain.pem")}}, key: {{peer.Pki("sm2-server.key")}} }, { cert: {{peer.Pki("ecdsa-server.pem")}}, key: {{peer.Pki("ecdsa-server.key")}} }]
                  upstream: { endpoints: [{{upstream}}], connect_timeout: 2s }
        admin:
          listen: 127.0.0.1:{{admin}}
        """;
}
