using System.Text;
using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// The edge's ClientHello sniffer over record streams as they arrive: partial, fragmented
/// (RFC 8446 §5.1), not TLS at all, or broken; and the RFC 8998 routing decision.
/// </summary>
public sealed class ClientHelloSnifferTests
{
    [Fact]
    public void A_shangmi_client_hello_in_one_record_is_summarised_as_offering_shangmi()
    {
        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(InRecords(ShangMiClientHello(TwoPsks()).ToMessage()));

        Assert.Equal(ClientHelloSniffStatus.ClientHello, result.Status);
        ClientHelloSummary summary = result.Summary!;
        Assert.True(summary.OffersShangMi);
        Assert.True(summary.OffersTls13);
        Assert.Equal("localhost", summary.ServerName);
        Assert.Equal(["h2", "http/1.1"], summary.ApplicationProtocols);
        Assert.Equal([CipherSuiteId.TlsSm4GcmSm3, CipherSuiteId.TlsSm4CcmSm3, CipherSuiteId.TlsAes128GcmSha256], summary.CipherSuites);
        Assert.Equal([NamedGroup.CurveSm2, NamedGroup.X25519], summary.SupportedGroups);
        Assert.Equal([NamedGroup.CurveSm2], summary.KeyShareGroups);
        Assert.Contains(SignatureScheme.Sm2SigSm3, summary.SignatureAlgorithms);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(100)]
    [InlineData(17)]
    public void A_client_hello_fragmented_across_records_is_reassembled(int fragment)
    {
        byte[] stream = InRecords(ShangMiClientHello().ToMessage(), fragment);

        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(stream);

        Assert.Equal(ClientHelloSniffStatus.ClientHello, result.Status);
        Assert.True(result.Summary!.OffersShangMi);
    }

    [Fact]
    public void Every_prefix_of_a_fragmented_client_hello_asks_for_more_data()
    {
        byte[] stream = InRecords(ShangMiClientHello(TwoPsks()).ToMessage(), 50);
        for (int length = 0; length < stream.Length; length++)
        {
            Assert.Equal(ClientHelloSniffStatus.NeedMoreData, ClientHelloSniffer.Sniff(stream.AsSpan(0, length)).Status);
        }

        Assert.Equal(ClientHelloSniffStatus.ClientHello, ClientHelloSniffer.Sniff(stream).Status);
    }

    [Fact]
    public void Bytes_after_the_client_hello_do_not_change_the_answer()
    {
        byte[] stream = [.. InRecords(ShangMiClientHello().ToMessage()), 0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17];

        Assert.True(ClientHelloSniffer.Sniff(stream).Summary!.OffersShangMi);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("G")]
    public void Plain_http_is_not_tls(string request)
    {
        Assert.Equal(ClientHelloSniffStatus.NotTls, ClientHelloSniffer.Sniff(Encoding.ASCII.GetBytes(request)).Status);
    }

    [Fact]
    public void An_sslv2_compatible_hello_is_not_tls()
    {
        Assert.Equal(ClientHelloSniffStatus.NotTls, ClientHelloSniffer.Sniff([0x80, 0x2e, 0x01, 0x03, 0x01]).Status);
    }

    [Fact]
    public void A_handshake_byte_followed_by_a_wrong_version_is_not_tls()
    {
        Assert.Equal(ClientHelloSniffStatus.NotTls, ClientHelloSniffer.Sniff([0x16, 0x47]).Status);
    }

    [Fact]
    public void A_change_cipher_spec_record_in_the_middle_of_the_client_hello_is_malformed()
    {
        byte[] records = InRecords(ShangMiClientHello().ToMessage(), 60);
        byte[] stream = [.. records[..65], 0x14, 0x03, 0x03, 0x00, 0x01, 0x01, .. records[65..]];

        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(stream);

        Assert.Equal(ClientHelloSniffStatus.Malformed, result.Status);
        Assert.Contains("record type 20", result.Reason);
    }

    [Fact]
    public void A_server_hello_where_a_client_hello_belongs_is_malformed()
    {
        Assert.Equal(ClientHelloSniffStatus.Malformed, ClientHelloSniffer.Sniff(InRecords(Rfc8448ServerHello)).Status);
    }

    [Fact]
    public void A_zero_length_handshake_record_is_malformed()
    {
        Assert.Equal(ClientHelloSniffStatus.Malformed, ClientHelloSniffer.Sniff([0x16, 0x03, 0x01, 0x00, 0x00]).Status);
    }

    [Fact]
    public void A_record_longer_than_2_to_the_14_is_malformed()
    {
        Assert.Equal(ClientHelloSniffStatus.Malformed, ClientHelloSniffer.Sniff([0x16, 0x03, 0x01, 0x40, 0x01, 0x01]).Status);
    }

    [Fact]
    public void A_client_hello_declaring_more_than_the_cap_is_too_large_before_it_arrives()
    {
        byte[] start = [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00];

        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(start);

        Assert.Equal(ClientHelloSniffStatus.TooLarge, result.Status);
    }

    [Fact]
    public void A_client_hello_trickled_in_one_byte_records_is_too_large()
    {
        byte[] stream = InRecords(ShangMiClientHello().ToMessage(), 1);

        Assert.Equal(ClientHelloSniffStatus.TooLarge, ClientHelloSniffer.Sniff(stream).Status);
        Assert.True(stream.Length <= 10 * ClientHelloSniffer.MaxBytes);
    }

    [Fact]
    public void A_client_hello_with_a_broken_extension_is_malformed_not_an_exception()
    {
        byte[] message = ShangMiClientHello().ToMessage();
        message[^3] = 0xff; // the GREASE extension's length now overruns the message

        Assert.Equal(ClientHelloSniffStatus.Malformed, ClientHelloSniffer.Sniff(InRecords(message)).Status);
    }

    [Fact]
    public void Shangmi_suites_without_tls_1_3_in_supported_versions_do_not_count_as_offering_shangmi()
    {
        Assert.False(Summarise(Hello(versions: [ProtocolVersion.Tls12], groups: [NamedGroup.CurveSm2])).OffersShangMi);
        Assert.False(Summarise(Hello(versions: null, groups: [NamedGroup.CurveSm2])).OffersShangMi);
    }

    [Fact]
    public void Shangmi_suites_without_curve_sm2_do_not_count_as_offering_shangmi()
    {
        Assert.False(Summarise(Hello(versions: [ProtocolVersion.Tls13], groups: [NamedGroup.X25519])).OffersShangMi);
    }

    [Fact]
    public void Curve_sm2_in_key_share_alone_counts_as_offering_it()
    {
        Assert.True(Summarise(Hello(versions: [ProtocolVersion.Tls13], groups: null, shareGroup: NamedGroup.CurveSm2)).OffersShangMi);
    }

    [Fact]
    public void A_tls_1_3_hello_without_shangmi_suites_does_not_offer_shangmi()
    {
        Assert.False(Summarise(Hello(versions: [ProtocolVersion.Tls13], groups: [NamedGroup.CurveSm2], suites: [CipherSuiteId.TlsAes128GcmSha256])).OffersShangMi);
    }

    [Fact]
    public void A_client_hello_with_odd_compression_still_gets_routed_because_the_engine_sends_the_alert()
    {
        byte[] body = Body(Rfc8448ClientHello).ToArray();
        int at = 2 + 32 + 1 + 2 + 6;
        byte[] mutated = [.. body[..at], 2, 1, 0, .. body[(at + 2)..]];
        byte[] message = HandshakeMessage.Frame(HandshakeType.ClientHello, w => w.WriteBytes(mutated));

        Assert.Equal(ClientHelloSniffStatus.ClientHello, ClientHelloSniffer.Sniff(InRecords(message)).Status);
    }

    private static ClientHelloSummary Summarise(ClientHello hello)
    {
        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(InRecords(hello.ToMessage()));
        Assert.Equal(ClientHelloSniffStatus.ClientHello, result.Status);
        return result.Summary!;
    }

    private static ClientHello Hello(ushort[]? versions, NamedGroup[]? groups, NamedGroup? shareGroup = null, ushort[]? suites = null)
    {
        List<TlsExtension> extensions = [];
        if (versions is not null)
        {
            extensions.Add(ExtensionCodec.EncodeSupportedVersions(versions));
        }

        if (groups is not null)
        {
            extensions.Add(ExtensionCodec.EncodeSupportedGroups(groups));
        }

        if (shareGroup is { } group)
        {
            extensions.Add(ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(group, Filled(65, 4))]));
        }

        return new ClientHello(ProtocolVersion.Tls12, Filled(32, 1), ReadOnlyMemory<byte>.Empty,
            suites ?? [CipherSuiteId.TlsSm4GcmSm3], extensions);
    }
}
