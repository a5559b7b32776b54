using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>
/// The CA API port against a TLS peer nobody here wrote: `openssl s_client` offering ALPN h2,
/// checking the CA's certificate against the bundle and its name, with and without a client
/// certificate, and pinned to TLS 1.2.
/// </summary>
public sealed class OpenSslPeerTests : IAsyncLifetime
{
    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<ProcessResult> ClientAsync(params string[] extra) =>
        OpenSsl.RunAsync(_server.Ca.Directory.Path, [
            "s_client", "-connect", $"127.0.0.1:{_server.Port}", "-servername", "localhost", "-alpn", "h2",
            "-CAfile", _server.BundlePath, "-verify_hostname", "localhost", "-verify_return_error", .. extra]);

    [Fact]
    public async Task Openssl_s_client_negotiates_TLS_1_3_with_h2_and_verifies_the_CA_certificate_by_bundle_and_name()
    {
        ProcessResult result = await ClientAsync();

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", result.StandardOutput);
        Assert.Contains("ALPN protocol: h2", result.StandardOutput);
        Assert.Contains("Verify return code: 0 (ok)", result.StandardOutput);
    }

    [Fact]
    public async Task Openssl_s_client_with_a_certificate_from_the_CA_completes_the_mutual_handshake()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");

        ProcessResult result = await ClientAsync("-cert", certificate, "-cert_chain", certificate, "-key", key);

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("ALPN protocol: h2", result.StandardOutput);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakesCompleted, 1));
    }

    [Fact]
    public async Task Openssl_s_client_pinned_to_TLS_1_2_is_served_with_h2_too()
    {
        ProcessResult result = await ClientAsync("-tls1_2");

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", result.StandardOutput);
        Assert.Contains("ALPN protocol: h2", result.StandardOutput);
    }

    [Fact]
    public async Task Openssl_s_client_offering_only_http_1_1_is_refused_with_no_application_protocol()
    {
        ProcessResult result = await OpenSsl.RunAsync(_server.Ca.Directory.Path,
            "s_client", "-connect", $"127.0.0.1:{_server.Port}", "-servername", "localhost", "-alpn", "http/1.1", "-CAfile", _server.BundlePath);

        Assert.False(result.Succeeded);
        Assert.Contains("no application protocol", result.Combined);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(Tls.TlsFailureReason.NoApplicationProtocol), 1));
    }
}
