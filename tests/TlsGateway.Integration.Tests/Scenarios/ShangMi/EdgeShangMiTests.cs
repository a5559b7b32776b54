using System.Text;
using TlsGateway.Edge;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// One port, both worlds: the real `tlsgw serve` with a filter chain holding an SM2 certificate and
/// an ECDSA one. Bouncy Castle Java's RFC 8998 client is routed to the managed engine and
/// `openssl s_client` on the same port to OpenSSL; `sm: require` refuses ordinary clients; SM2
/// client certificates are checked against the trust bundle and the SPIFFE allow-list. Each test
/// reads the peers' own output, the upstream's view and the edge's metrics.
/// </summary>
public sealed class EdgeShangMiTests(BouncyCastlePeerTests.PeerFixture peer) : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    [Fact]
    public async Task One_port_serves_rfc_8998_clients_with_the_sm2_certificate_and_openssl_clients_with_the_ecdsa_one()
    {
        await using var upstream = new PlainEchoUpstream(name: "");
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address, sm: null), port);

        ProcessResult gcm = await peer.RunClientAsync(BcClient(port, "gcm", "edge gcm"));
        ProcessResult ccm = await peer.RunClientAsync(BcClient(port, "ccm", "edge ccm"));
        SClientResult openssl = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", line: "edge openssl",
            extra: ["-CAfile", peer.Pki("ecdsa-root.pem"), "-verify_return_error"]);

        Assert.True(gcm.ExitCode == 0, gcm.Combined + "\n" + serve.Process.Output);
        Assert.Contains("suite=0x00c6 group=41", gcm.StandardOutput);
        Assert.Contains("peer-sigalg=0x0708 peer=O=tlsgw-test,CN=localhost", gcm.StandardOutput);
        Assert.Contains("ECHO ok role=client connection=1", gcm.StandardOutput);
        Assert.True(ccm.ExitCode == 0, ccm.Combined + "\n" + serve.Process.Output);
        Assert.Contains("suite=0x00c7 group=41", ccm.StandardOutput);
        Assert.Contains("ECHO ok role=client connection=1", ccm.StandardOutput);
        Assert.True(openssl.VerifiedOk, openssl.Output);
        Assert.Equal("TLSv1.3", openssl.Protocol);
        Assert.Contains("edge openssl", openssl.Process.StandardOutput);

        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("cipher", "TLS_SM4_GCM_SM3"), ("result", "ok"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("cipher", "TLS_SM4_GCM_SM3"), ("result", "ok")));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("cipher", "TLS_SM4_CCM_SM3"), ("result", "ok")));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "openssl"), ("result", "ok")));
    }

    [Fact]
    public async Task An_rfc_8998_client_resumes_with_the_ticket_the_edge_sealed_under_the_listener_keys()
    {
        await using var upstream = new PlainEchoUpstream(name: "", streaming: false);
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address, sm: null), port);

        ProcessResult bc = await peer.RunClientAsync([.. BcClient(port, "gcm", "twice"), "--resume"]);

        Assert.True(bc.ExitCode == 0, bc.Combined + "\n" + serve.Process.Output);
        Assert.Contains("connection=1 version=TLS1.3 suite=0x00c6 group=41 hrr=false resumed=false", bc.StandardOutput);
        Assert.Contains("connection=2 version=TLS1.3 suite=0x00c6 group=41 hrr=false resumed=true", bc.StandardOutput);
        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("resumed", "true"), ("result", "ok"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("resumed", "true"), ("result", "ok")));
    }

    [Fact]
    public async Task A_chain_with_sm_require_refuses_an_ordinary_client_with_handshake_failure_and_counts_it()
    {
        await using var upstream = new PlainEchoUpstream(name: "");
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address, sm: "require", ecdsa: false), port);

        SClientResult openssl = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", extra: ["-tls1_3"]);
        ProcessResult bc = await peer.RunClientAsync(BcClient(port, "gcm", "still served"));

        Assert.Contains("handshake failure", openssl.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("still served", openssl.Process.StandardOutput);
        Assert.True(bc.ExitCode == 0, bc.Combined + "\n" + serve.Process.Output);
        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "no_shared_cipher"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "no_shared_cipher")));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "ok")));
    }

    [Fact]
    public async Task An_sm2_client_certificate_on_the_allow_list_reaches_the_upstream_with_its_spiffe_id_in_the_proxy_header()
    {
        await using var upstream = new ProxyRecordingUpstream();
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        string clientAuth = $"{{ mode: required, trust_bundle: {peer.Pki("sm2-root.pem")}, allowed_spiffe_ids: [\"spiffe://tlsgw.test/bc-peer\"] }}";
        await using ServeProcess serve = await ServeProcess.StartAsync(
            Config(port, admin, upstream.Address, sm: null, clientAuth: clientAuth, upstreamExtra: ", proxy_protocol: true"), port);

        ProcessResult bc = await peer.RunClientAsync([.. BcClient(port, "gcm", "mtls"), "--echo", "none", .. ClientCertificate()]);

        Assert.True(bc.ExitCode == 0, bc.Combined + "\n" + serve.Process.Output);
        await Eventually.TrueAsync(() => !upstream.Headers.IsEmpty, TimeSpan.FromSeconds(10));
        Assert.True(upstream.Headers.TryDequeue(out ProxyProtocolV2Header? header));
        Assert.Equal("spiffe://tlsgw.test/bc-peer", header.SpiffeId);
        Assert.Equal(("TLSv1.3", "TLS_SM4_GCM_SM3"), header.Ssl);
        Assert.Equal("localhost", header.Authority);
    }

    [Fact]
    public async Task An_sm2_client_certificate_off_the_allow_list_is_refused_and_counted_as_denied()
    {
        await using var upstream = new PlainEchoUpstream(name: "");
        (int port, int admin) = (FreePort.Next(), FreePort.Next());
        string clientAuth = $"{{ mode: required, trust_bundle: {peer.Pki("sm2-root.pem")}, allowed_spiffe_ids: [\"spiffe://tlsgw.test/someone-else\"] }}";
        await using ServeProcess serve = await ServeProcess.StartAsync(Config(port, admin, upstream.Address, sm: null, clientAuth: clientAuth), port);

        ProcessResult bc = await peer.RunClientAsync([.. BcClient(port, "gcm", "denied"), .. ClientCertificate()]);

        Assert.NotEqual(0, bc.ExitCode);
        Assert.DoesNotContain("ECHO ok", bc.StandardOutput);
        Assert.Contains("access_denied", bc.StandardOutput); // the alert, as OpenSSL would send it
        MetricsScrape metrics = await MetricsScrape.WhenAsync(admin, 1, "tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "authorization_denied"));
        Assert.Equal(1, metrics.Sum("tlsgw_edge_handshakes_total", ("engine", "shangmi"), ("result", "authorization_denied")));
    }

    [Fact]
    public async Task Up_serves_an_rfc_8998_client_its_sm2_certificate_and_curl_its_ecdsa_one_on_the_same_port_out_of_the_box()
    {
        (TlsgwProcess up, string data, int port) = await UpProcess.StartAsync("up-gm");
        await using TlsgwProcess running = up;
        string bundle = Path.Combine(data, "bundle.pem");

        ProcessResult bc = await peer.RunClientAsync(
            ["--port", port.ToString(), "--suite", "gcm", "--trust", bundle, "--server-name", "localhost", "--echo", "none"]);
        ProcessResult curl = await ProcessRunner.RunAsync("curl", ["-sS", "--cacert", bundle, $"https://localhost:{port}/"]);

        Assert.True(bc.ExitCode == 0, bc.Combined + "\n" + up.Output);
        Assert.Contains("suite=0x00c6 group=41", bc.StandardOutput);
        Assert.Contains("peer-sigalg=0x0708", bc.StandardOutput); // an SM2 signature, so the SM2 certificate
        Assert.True(curl.ExitCode == 0, curl.Combined);
        Assert.Contains("Hello from the TlsGateway demo upstream", curl.StandardOutput);
    }

    [Theory]
    [InlineData("off", "sm: off")]
    [InlineData("require-without-sm2", "sm: require needs an SM2 certificate")]
    [InlineData("sm2-only", "add an ECDSA or RSA certificate, or set sm: require")]
    public async Task A_config_the_shangmi_engine_cannot_serve_as_written_is_refused_with_the_reason(string variant, string reason)
    {
        int port = FreePort.Next();
        string yaml = variant switch
        {
            "off" => Config(port, null, "127.0.0.1:9", sm: "off"),
            "require-without-sm2" => Config(port, null, "127.0.0.1:9", sm: "require", sm2: false),
            _ => Config(port, null, "127.0.0.1:9", sm: null, ecdsa: false),
        };
        string directory = ServeProcess.NewDirectory();
        string config = Path.Combine(directory, "tlsgw.yaml");
        await File.WriteAllTextAsync(config, yaml);
        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", config]);

        int exit = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains(reason, serve.Output);
    }

    private string[] BcClient(int port, string suite, string message) =>
        ["--port", port.ToString(), "--suite", suite, "--trust", peer.Pki("sm2-root.pem"), "--server-name", "localhost", "--message", message];

    private string[] ClientCertificate() => ["--cert", peer.Pki("sm2-client-chain.pem"), "--key", peer.Pki("sm2-client.key")];

    // One listener, one default chain with the SM2 and/or the ECDSA localhost certificate of the peer PKI.
    private string Config(int port, int? admin, string upstream, string? sm, bool ecdsa = true, bool sm2 = true, string? clientAuth = null,
        string upstreamExtra = "")
    {
        var certificates = new List<string>();
        if (sm2)
        {
            certificates.Add($"{{ cert: {peer.Pki("sm2-server-chain.pem")}, key: {peer.Pki("sm2-server.key")} }}");
        }

        if (ecdsa)
        {
            certificates.Add($"{{ cert: {peer.Pki("ecdsa-server.pem")}, key: {peer.Pki("ecdsa-server.key")} }}");
        }

        var yaml = new StringBuilder();
        yaml.AppendLine("edge:");
        yaml.AppendLine("  listeners:");
        yaml.AppendLine("    - name: public");
        yaml.AppendLine($"      address: 127.0.0.1:{port}");
        yaml.AppendLine("      filter_chains:");
        yaml.AppendLine("        - name: both");
        yaml.AppendLine($"          certificates: [{string.Join(", ", certificates)}]");
        if (sm is not null)
        {
            yaml.AppendLine($"          sm: {sm}");
        }

        if (clientAuth is not null)
        {
            yaml.AppendLine($"          client_auth: {clientAuth}");
        }

        yaml.AppendLine($"          upstream: {{ endpoints: [{upstream}], connect_timeout: 2s{upstreamExtra} }}");
        if (admin is not null)
        {
            yaml.AppendLine("admin:");
            yaml.AppendLine($"  listen: 127.0.0.1:{admin}");
        }

        return yaml.ToString();
    }
}
