using System.Net;
using TlsGateway.Edge;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>The PROXY v2 header the edge sends, parsed by a test upstream: client address and TLS facts arrive.</summary>
public sealed class ProxyProtocolTests
{
    [Fact]
    public async Task The_upstream_learns_the_client_address_TLS_facts_and_SPIFFE_ID()
    {
        TestPki pki = TestPki.Instance;
        await using var upstream = new ProxyRecordingUpstream();
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port,
        [
            ServeConfig.Chain("api", ["other.test"], "other", [upstream.Address], upstream: "proxy_protocol: true",
                clientAuth: $"{{ mode: optional, trust_bundle: {pki.CaPath} }}"),
        ]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test",
            extra: ["-tls1_3", "-alpn", "h2", "-cert", pki.PathOf("client.pem"), "-key", pki.PathOf("client.key")]);

        Assert.Contains("proxied", result.Process.StandardOutput);
        Assert.Empty(upstream.Errors);
        Assert.True(upstream.Headers.TryDequeue(out ProxyProtocolV2Header? header));
        Assert.Equal(IPAddress.Loopback, header.Source.Address);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), header.Destination);
        Assert.Equal("other.test", header.Authority);
        Assert.Null(header.Alpn); // the chain configures no ALPN, so none was negotiated
        Assert.Equal(("TLSv1.3", "TLS_AES_128_GCM_SHA256"), header.Ssl);
        Assert.Equal("spiffe://test.local/ns/default/sa/frontend", header.SpiffeId);
    }

    [Fact]
    public async Task Without_a_client_certificate_no_SPIFFE_ID_is_claimed()
    {
        await using var upstream = new ProxyRecordingUpstream();
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port, [ServeConfig.Chain("api", [], "default", [upstream.Address], upstream: "proxy_protocol: true")]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test", extra: ["-tls1_2"]);

        Assert.Contains("proxied", result.Process.StandardOutput);
        Assert.True(upstream.Headers.TryDequeue(out ProxyProtocolV2Header? header));
        Assert.Null(header.SpiffeId);
        Assert.Equal("TLSv1.2", header.Ssl.Version);
    }
}
