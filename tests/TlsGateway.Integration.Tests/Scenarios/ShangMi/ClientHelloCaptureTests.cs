using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Integration.Tests.Scenarios.ShangMi;

/// <summary>
/// The ClientHello of an independent RFC 8998 client — Bouncy Castle Java's (tests/peers/bc-tls) —
/// captured by a throwaway loopback listener that never answers, then read by the strict codec and
/// by the edge's sniffer: it must be routed to the ShangMi engine, and offer what RFC 8998 names.
/// </summary>
public sealed class ClientHelloCaptureTests(BouncyCastlePeerTests.PeerFixture peer) : IClassFixture<BouncyCastlePeerTests.PeerFixture>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData("gcm", CipherSuiteId.TlsSm4GcmSm3)]
    [InlineData("ccm", CipherSuiteId.TlsSm4CcmSm3)]
    public async Task A_bc_shangmi_client_hello_offers_the_rfc_8998_suite_curve_sm2_and_sm2sig_sm3(string suite, ushort code)
    {
        byte[] records = await CaptureAsync(["--suite", suite, "--trust", peer.Pki("sm2-root.pem")]);

        ClientHelloSniffResult sniffed = ClientHelloSniffer.Sniff(records);
        Assert.Equal(ClientHelloSniffStatus.ClientHello, sniffed.Status);
        Assert.True(sniffed.Summary!.OffersShangMi);
        Assert.Equal("localhost", sniffed.Summary.ServerName);

        ClientHello hello = ClientHello.Parse(Body(records));
        Assert.Contains(code, hello.CipherSuites);
        Assert.Contains(NamedGroup.CurveSm2, hello.SupportedGroups!);
        Assert.Contains(NamedGroup.CurveSm2, hello.KeyShares!.Select(s => s.Group));
        Assert.Equal(65, hello.KeyShares!.Single(s => s.Group == NamedGroup.CurveSm2).KeyExchange.Length);
        Assert.Contains(SignatureScheme.Sm2SigSm3, hello.SignatureAlgorithms!);
        Assert.Contains(ProtocolVersion.Tls13, hello.SupportedVersions!);
        Assert.Equal(HandshakeFrom(records), hello.ToMessage());
    }

    [Fact]
    public async Task A_bc_client_hello_without_key_shares_still_counts_as_shangmi_through_supported_groups()
    {
        byte[] records = await CaptureAsync(["--suite", "gcm", "--hrr", "--trust", peer.Pki("sm2-root.pem")]);

        ClientHello hello = ClientHello.Parse(Body(records));
        Assert.Empty(hello.KeyShares!);
        Assert.True(ClientHelloSniffer.Sniff(records).Summary!.OffersShangMi);
    }

    /// <summary>Runs the BC client against a listener that reads until the sniffer has a whole ClientHello.</summary>
    private static Task<byte[]> CaptureAsync(string[] arguments) => ClientHelloCapture.CaptureAsync(
        Path.Combine(BouncyCastlePeerTests.PeerFixture.PeerDirectory, "run-client.sh"),
        port => ["--port", port.ToString(), "--timeout-ms", "40000", .. arguments], s_limit);

    private static byte[] HandshakeFrom(byte[] records) => ClientHelloCapture.HandshakeFrom(records);

    private static ReadOnlySpan<byte> Body(byte[] records) => HandshakeFrom(records).AsSpan(HandshakeMessage.HeaderLength);
}
