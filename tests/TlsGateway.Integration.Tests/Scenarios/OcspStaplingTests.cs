using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>OCSP stapling by `tlsgw serve`, checked with `openssl s_client -status`; responses made by `openssl ocsp`.</summary>
public sealed class OcspStaplingTests
{
    // The served chain file must carry the issuer after the leaf: requests and checks need it.
    private static string ChainWithIssuer(string directory)
    {
        string path = Path.Combine(directory, "stapled.pem");
        File.WriteAllText(path, File.ReadAllText(TestPki.Instance.PathOf("ecdsa.pem")) + File.ReadAllText(TestPki.Instance.CaPath));
        return path;
    }

    private static string Config(int port, string chain, string upstream, string ocsp) =>
        ServeConfig.Listener(port, [ServeConfig.Chain("main", [], "ecdsa", [upstream], certificatePath: chain)])
            .Replace($"key: {TestPki.Instance.PathOf("ecdsa.key")} }}", $"key: {TestPki.Instance.PathOf("ecdsa.key")}, ocsp: {ocsp} }}");

    [Fact]
    public async Task A_staple_fetched_from_the_responder_is_served_to_clients_that_ask()
    {
        string directory = ServeProcess.NewDirectory();
        await using var responder = new OcspResponder(directory, TestPki.Instance.PathOf("ecdsa.pem"));
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using ServeProcess serve = await ServeProcess.StartAsync(
            Config(port, ChainWithIssuer(directory), upstream.Address, $"{{ responder: \"{responder.Url}\" }}"), port, directory);
        await serve.Process.WaitForOutputAsync("OCSP staple for");

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: ["-status"]);

        Assert.Contains("upstream:ping", result.Process.StandardOutput);
        Assert.Contains("OCSP Response Status: successful", result.Output);
        Assert.Contains("Cert Status: good", result.Output);
        Assert.True(responder.Requests >= 1);
    }

    [Fact]
    public async Task A_staple_from_a_file_is_served()
    {
        string directory = ServeProcess.NewDirectory();
        string stapleFile = Path.Combine(directory, "ecdsa.ocsp");
        await File.WriteAllBytesAsync(stapleFile, await OcspResponder.MakeResponseAsync(directory, TestPki.Instance.PathOf("ecdsa.pem")));
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using ServeProcess serve = await ServeProcess.StartAsync(
            Config(port, ChainWithIssuer(directory), upstream.Address, $"{{ staple_file: {stapleFile} }}"), port, directory);
        await serve.Process.WaitForOutputAsync("OCSP staple for");

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: ["-status", "-tls1_2"]);

        Assert.Contains("Cert Status: good", result.Output);
    }

    [Fact]
    public async Task A_revoked_answer_is_not_stapled_and_the_certificate_still_serves()
    {
        string directory = ServeProcess.NewDirectory();
        await using var responder = new OcspResponder(directory, TestPki.Instance.PathOf("ecdsa.pem"));
        responder.Revoke();
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using ServeProcess serve = await ServeProcess.StartAsync(
            Config(port, ChainWithIssuer(directory), upstream.Address, $"{{ responder: \"{responder.Url}\" }}"), port, directory);
        await serve.Process.WaitForOutputAsync("No OCSP staple for");

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: ["-status"]);

        Assert.Contains("upstream:ping", result.Process.StandardOutput);
        Assert.Contains("OCSP response: no response sent", result.Output);
        Assert.Contains("revoked", serve.Process.Output);
    }

    [Fact]
    public async Task An_unreachable_responder_leaves_the_certificate_serving_without_a_staple()
    {
        string directory = ServeProcess.NewDirectory();
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using ServeProcess serve = await ServeProcess.StartAsync(
            Config(port, ChainWithIssuer(directory), upstream.Address, $"{{ responder: \"http://127.0.0.1:{FreePort.Next()}/\" }}"), port, directory);
        await serve.Process.WaitForOutputAsync("No OCSP staple for");

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "example.test", extra: ["-status"]);

        Assert.Contains("upstream:ping", result.Process.StandardOutput);
        Assert.Contains("OCSP response: no response sent", result.Output);
    }
}
