using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>
/// A private key that exists only in a SoftHSM2 token, used through OpenSSL's PKCS#11 engine
/// (libengine-pkcs11-openssl) by the real tlsgw binary. The test PKI deleted the software copy.
/// </summary>
public sealed class HardwareKeyTests
{
    private static Dictionary<string, string> Environment(string pin) => new()
    {
        ["SOFTHSM2_CONF"] = TestPki.Instance.SoftHsmConfig,
        ["TLSGW_TEST_PIN"] = pin,
    };

    private static string[] EdgeArguments(int port, string upstream) =>
    [
        "edge", "--listen", $"127.0.0.1:{port}", "--upstream", upstream,
        "--cert", TestPki.Instance.PathOf("hsm.pem"), "--key", TestPki.Instance.TokenKeyUri,
        "--pkcs11-module", TestPki.Instance.SoftHsmModule, "--pkcs11-pin", "env:TLSGW_TEST_PIN",
    ];

    [Fact]
    public async Task The_edge_serves_TLS_with_a_key_held_in_a_PKCS11_token()
    {
        Assert.False(File.Exists(TestPki.Instance.PathOf("hsm.key")), "the token key must not exist as a file");
        await using var upstream = new PlainEchoUpstream();
        int port = FreePort.Next();
        await using TlsgwProcess edge = TlsgwProcess.Start(EdgeArguments(port, upstream.Address), Environment("1234"));
        await edge.WaitForPortAsync(port);

        SClientResult result = await OpenSslClient.ConnectAsync($"127.0.0.1:{port}", "hsm.test");

        Assert.True(result.VerifiedOk, result.Output);
        Assert.Equal("CN = hsm.test", result.Subject);
        Assert.Contains("upstream:ping", result.Process.StandardOutput);
        Assert.Equal(0, await edge.StopAsync());
    }

    [Fact]
    public async Task A_wrong_PIN_stops_the_edge_at_start_with_a_clear_error_that_does_not_show_the_PIN()
    {
        await using var upstream = new PlainEchoUpstream();
        await using TlsgwProcess edge = TlsgwProcess.Start(EdgeArguments(FreePort.Next(), upstream.Address), Environment("98765"));

        int exitCode = await edge.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(2, exitCode);
        Assert.Contains("PKCS#11", edge.Output);
        Assert.Contains("PIN incorrect", edge.Output);
        Assert.DoesNotContain("98765", edge.Output);
    }
}
