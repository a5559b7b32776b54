using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>
/// The edge consults the CA's CRL (RFC 5280 §6.3) for client certificates: the real CA issues
/// and revokes with the CLI, `tlsgw ca serve` publishes the DER CRL at GET /ca/crl, and
/// `openssl s_client` presents leaf plus intermediate (cert.pem) to the edge.
/// </summary>
public sealed class RevocationCheckTests
{
    private const string GoodId = "spiffe://example.org/ns/shop/sa/good";
    private const string StolenId = "spiffe://example.org/ns/shop/sa/stolen";

    [Fact]
    public async Task The_edge_refuses_a_revoked_client_certificate_and_forwards_a_good_one()
    {
        using var ca = new CaDataDirectory("tlsgw-revocation-");
        (_, string stolenSerial) = await IssueAllAsync(ca);
        await ca.RunOkAsync(["cert", "revoke", stolenSerial, "--reason", "key-compromise"]);
        string crl = await FetchCrlAsync(ca, "crl.der");
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(
        [
            "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.Address, "--verbose",
            "--cert", ca.PathOf("server", "cert.pem"), "--key", ca.PathOf("server", "key.pem"),
            "--ca", ca.Bundle, "--require-client-cert", "--crl", crl,
        ]);
        await edge.WaitForPortAsync(port);

        SClientResult good = await ConnectAsClientAsync(ca, port, "good");
        SClientResult stolen = await ConnectAsClientAsync(ca, port, "stolen");

        Assert.Contains("upstream:ping", good.Process.StandardOutput);
        Assert.DoesNotContain("upstream:ping", stolen.Process.StandardOutput);
        Assert.Contains("certificate revoked", stolen.Output);
        await edge.WaitForOutputAsync("failed: certificate_revoked");
        Assert.Equal(0, await edge.StopAsync());
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("edge")]
    public async Task A_replaced_CRL_file_is_picked_up_by_a_running_edge(string command)
    {
        using var ca = new CaDataDirectory("tlsgw-revocation-");
        (string goodSerial, string stolenSerial) = await IssueAllAsync(ca);
        await ca.RunOkAsync(["cert", "revoke", stolenSerial]);
        string first = await FetchCrlAsync(ca, "first.der");
        await ca.RunOkAsync(["cert", "revoke", goodSerial]);
        string second = await FetchCrlAsync(ca, "second.der");
        string crl = ca.PathOf("clients.crl");
        File.Copy(first, crl);
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        string config = ca.PathOf("tlsgw.yaml");
        await File.WriteAllTextAsync(config, Config(ca, port, crl, upstream.Address));
        await using TlsgwProcess serve = command == "serve"
            ? TlsgwProcess.Start(["serve", "-c", config, "--verbose"])
            : TlsgwProcess.Start(
            [
                "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream.Address, "--verbose",
                "--cert", ca.PathOf("server", "cert.pem"), "--key", ca.PathOf("server", "key.pem"),
                "--ca", ca.Bundle, "--require-client-cert", "--crl", crl,
            ]);
        await serve.WaitForPortAsync(port);
        SClientResult goodBefore = await ConnectAsClientAsync(ca, port, "good");

        // Replace the file the way a fetch job does: write beside it, rename over it.
        File.Copy(second, crl + ".tmp");
        File.Move(crl + ".tmp", crl, overwrite: true);
        await serve.WaitForOutputAsync("Configuration reloaded");
        SClientResult goodAfter = await ConnectAsClientAsync(ca, port, "good");

        Assert.Contains("upstream:ping", goodBefore.Process.StandardOutput);
        Assert.DoesNotContain("upstream:ping", goodAfter.Process.StandardOutput);
        Assert.Contains("certificate revoked", goodAfter.Output);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task A_config_naming_a_file_that_is_not_a_CRL_is_refused_with_its_line()
    {
        using var ca = new CaDataDirectory("tlsgw-revocation-");
        await IssueAllAsync(ca);
        string config = ca.PathOf("tlsgw.yaml");
        await File.WriteAllTextAsync(config, Config(ca, FreePort.Next(), crl: ca.Bundle, "127.0.0.1:9"));
        await using TlsgwProcess serve = TlsgwProcess.Start(["serve", "-c", config]);

        Assert.Equal(2, await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains($"{config}:8: edge.listeners[0].filter_chains[0].client_auth.crl: not a CRL", serve.Output);
    }

    /// <summary>One listener, one chain requiring client certificates from the CA, checked against <paramref name="crl"/> (line 8).</summary>
    private static string Config(CaDataDirectory ca, int port, string crl, string upstream) =>
        $$"""
        edge:
          listeners:
            - name: public
              address: 127.0.0.1:{{port}}
              filter_chains:
                - name: main
                  certificates: [{ cert: {{ca.PathOf("server", "cert.pem")}}, key: {{ca.PathOf("server", "key.pem")}} }]
                  client_auth: { mode: required, trust_bundle: {{ca.Bundle}}, crl: {{crl}} }
                  upstream: { endpoints: [{{upstream}}], connect_timeout: 1s }
        """;

    /// <summary>`ca init`, a server certificate for localhost and two clients; returns the clients' serials.</summary>
    private static async Task<(string Good, string Stolen)> IssueAllAsync(CaDataDirectory ca)
    {
        await ca.InitAsync();
        await ca.IssueAsync("server", "spiffe://example.org/ns/edge/sa/edge", ["--dns", "localhost"]);
        string good = (await ca.IssueAsync("good", GoodId)).GetProperty("serial").GetString()!;
        string stolen = (await ca.IssueAsync("stolen", StolenId)).GetProperty("serial").GetString()!;
        return (good, stolen);
    }

    /// <summary>
    /// The active intermediate's DER CRL from GET /ca/crl of a fresh `tlsgw ca serve` (a running
    /// one caches its CRL for up to a minute, so each fetch starts its own).
    /// </summary>
    private static async Task<string> FetchCrlAsync(CaDataDirectory ca, string name)
    {
        int port = FreePort.Next();
        await using TlsgwProcess server = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{port}", "--grpc-listen", "off"]);
        await server.WaitForPortAsync(port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        byte[] crl = await http.GetByteArrayAsync($"http://127.0.0.1:{port}/ca/crl");
        Assert.Equal(0, await server.StopAsync());
        string path = ca.PathOf(name);
        await File.WriteAllBytesAsync(path, crl);
        return path;
    }

    /// <summary>s_client with the client's leaf and intermediate (cert.pem holds both), checking the edge against the CA's roots.</summary>
    private static Task<SClientResult> ConnectAsClientAsync(CaDataDirectory ca, int port, string client) =>
        OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "localhost", caFile: ca.Bundle, extra:
        [
            "-cert", ca.PathOf(client, "cert.pem"), "-cert_chain", ca.PathOf(client, "cert.pem"), "-key", ca.PathOf(client, "key.pem"),
        ]);
}
