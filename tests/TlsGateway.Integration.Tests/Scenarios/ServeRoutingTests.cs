using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>`tlsgw serve -c` routing by SNI to each chain's own upstream, with mTLS policy per chain.</summary>
public sealed class ServeRoutingTests
{
    [Fact]
    public async Task Each_server_name_reaches_its_own_upstream()
    {
        await using var api = new PlainEchoUpstream("api");
        await using var web = new PlainEchoUpstream("web");
        int port = FreePort.Next();
        string yaml = ServeConfig.Listener(port,
        [
            ServeConfig.Chain("api", ["other.test"], "other", [api.Address]),
            ServeConfig.Chain("web", ["*.wild.test"], "wild", [web.Address]),
            ServeConfig.Chain("fallback", [], "default", [web.Address]),
        ]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);

        SClientResult toApi = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");
        SClientResult toWeb = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "x.wild.test");
        SClientResult toDefault = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", null);

        Assert.Contains("api:ping", toApi.Process.StandardOutput);
        Assert.Equal("CN = other.test", toApi.Subject);
        Assert.Contains("web:ping", toWeb.Process.StandardOutput);
        Assert.Equal("CN = *.wild.test", toWeb.Subject);
        Assert.Contains("web:ping", toDefault.Process.StandardOutput);
        Assert.Equal("CN = default.test", toDefault.Subject);
    }

    [Fact]
    public async Task A_chain_requiring_mTLS_admits_only_the_allowed_SPIFFE_ID_while_its_neighbour_stays_open()
    {
        TestPki pki = TestPki.Instance;
        await using var secure = new PlainEchoUpstream("secure");
        await using var open = new PlainEchoUpstream("open");
        int port = FreePort.Next();
        string clientAuth = $"{{ mode: required, trust_bundle: {pki.CaPath}, allowed_spiffe_ids: [\"spiffe://test.local/ns/default/sa/frontend\"] }}";
        string yaml = ServeConfig.Listener(port,
        [
            ServeConfig.Chain("secure", ["other.test"], "other", [secure.Address], clientAuth: clientAuth),
            ServeConfig.Chain("open", [], "default", [open.Address]),
        ]);
        await using ServeProcess serve = await ServeProcess.StartAsync(yaml, port);
        string[] Cert(string name) => ["-cert", pki.PathOf(name + ".pem"), "-key", pki.PathOf(name + ".key")];

        SClientResult allowed = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test", extra: Cert("client"));
        SClientResult denied = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test", extra: Cert("client-other"));
        SClientResult anonymous = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "default.test");

        Assert.Contains("secure:ping", allowed.Process.StandardOutput);
        Assert.DoesNotContain("secure:", denied.Process.StandardOutput);
        Assert.Contains("open:ping", anonymous.Process.StandardOutput);
        Assert.Equal(1, secure.Accepted);
    }

    [Fact]
    public async Task Chains_for_one_name_are_told_apart_by_the_ALPN_protocols_the_client_offers()
    {
        await using var h2 = new PlainEchoUpstream("h2");
        await using var http1 = new PlainEchoUpstream("http1");
        int port = FreePort.Next();
        string h2Chain = ServeConfig.Chain("h2", ["other.test"], "other", [h2.Address]) + "          match_alpn: [h2]\n          alpn: [h2]\n";
        string http1Chain = ServeConfig.Chain("http1", ["other.test"], "other", [http1.Address]) + "          alpn: [http/1.1]\n";
        await using ServeProcess serve = await ServeProcess.StartAsync(ServeConfig.Listener(port, [h2Chain, http1Chain]), port);

        SClientResult offersH2 = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test", extra: ["-alpn", "h2,http/1.1"]);
        SClientResult offersHttp1 = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test", extra: ["-alpn", "http/1.1"]);
        SClientResult offersNone = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "other.test");

        Assert.Contains("h2:ping", offersH2.Process.StandardOutput);
        Assert.Equal("h2", offersH2.Alpn);
        Assert.Contains("http1:ping", offersHttp1.Process.StandardOutput);
        Assert.Equal("http/1.1", offersHttp1.Alpn);
        Assert.Contains("http1:ping", offersNone.Process.StandardOutput);
    }
}
