using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>
/// ClientHellos of a real client, <c>openssl s_client</c>, captured on loopback at test time and
/// parsed by both the strict codec and the sniffer.
/// </summary>
public sealed class OpenSslClientHelloTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_openssl_tls_1_3_client_hello_parses_strictly_and_writes_back_identically()
    {
        byte[] records = await ClientHelloCapture.CaptureAsync("openssl",
            port => ["s_client", "-connect", $"127.0.0.1:{port}", "-tls1_3", "-servername", "capture.test", "-alpn", "h2,http/1.1"], s_limit);
        byte[] framed = ClientHelloCapture.HandshakeFrom(records);

        ClientHello hello = ClientHello.Parse(Body(framed));

        Assert.Equal(framed, hello.ToMessage());
        Assert.Equal(ProtocolVersion.Tls12, hello.LegacyVersion);
        Assert.Equal([ProtocolVersion.Tls13], hello.SupportedVersions);
        Assert.Equal("capture.test", hello.ServerName);
        Assert.Equal(["h2", "http/1.1"], hello.ApplicationProtocols);
        Assert.Contains(CipherSuiteId.TlsAes128GcmSha256, hello.CipherSuites);
        Assert.Contains(CipherSuiteId.TlsAes256GcmSha384, hello.CipherSuites);
        Assert.Contains(NamedGroup.X25519, hello.SupportedGroups!);
        Assert.Contains(SignatureScheme.EcdsaSecp256r1Sha256, hello.SignatureAlgorithms!);
        Assert.Contains(SignatureScheme.RsaPssRsaeSha256, hello.SignatureAlgorithms!);
        Assert.NotEmpty(hello.KeyShares!);
        Assert.Equal(32, hello.LegacySessionId.Length); // middlebox compatibility mode, RFC 8446 §D.4

        ClientHelloSniffResult sniffed = ClientHelloSniffer.Sniff(records);
        Assert.Equal(ClientHelloSniffStatus.ClientHello, sniffed.Status);
        Assert.True(sniffed.Summary!.OffersTls13);
        Assert.False(sniffed.Summary.OffersShangMi);
        Assert.Equal("capture.test", sniffed.Summary.ServerName);
    }

    [Fact]
    public async Task An_openssl_client_limited_to_one_suite_and_x25519_offers_exactly_those()
    {
        byte[] records = await ClientHelloCapture.CaptureAsync("openssl",
            port => ["s_client", "-connect", $"127.0.0.1:{port}", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "X25519"], s_limit);

        ClientHello hello = ClientHello.Parse(Body(ClientHelloCapture.HandshakeFrom(records)));

        Assert.Equal(CipherSuiteId.TlsAes128GcmSha256, Assert.Single(hello.CipherSuites, s => s != CipherSuiteId.TlsEmptyRenegotiationInfoScsv));
        Assert.Equal([NamedGroup.X25519], hello.SupportedGroups);
        KeyShareEntry share = Assert.Single(hello.KeyShares!);
        Assert.Equal(NamedGroup.X25519, share.Group);
        Assert.Equal(32, share.KeyExchange.Length);
        Assert.Equal([PskKeyExchangeMode.PskDheKe], hello.PskKeyExchangeModes);
    }
}
