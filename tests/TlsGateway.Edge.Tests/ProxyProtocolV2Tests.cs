using System.Buffers.Binary;
using System.Net;
using static TlsGateway.Edge.Tests.Infrastructure.HandshakeSamples;

namespace TlsGateway.Edge.Tests;

/// <summary>The header the edge writes; haproxy's proxy-protocol.txt, section 2.2, gives every byte checked here.</summary>
public class ProxyProtocolV2Tests
{
    private static readonly byte[] s_signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static readonly IPEndPoint s_client4 = new(IPAddress.Parse("192.0.2.10"), 51234);
    private static readonly IPEndPoint s_edge4 = new(IPAddress.Parse("198.51.100.1"), 443);

    [Fact]
    public void Build_writes_the_signature_version_command_family_and_big_endian_length()
    {
        byte[] header = ProxyProtocolV2.Build(s_client4, s_edge4, Facts(), Peer());

        Assert.Equal(s_signature, header[..12]);
        Assert.True(ProxyProtocolV2.Signature.SequenceEqual(s_signature));
        Assert.Equal(0x21, header[12]); // version 2 (high nibble), command PROXY (low nibble)
        Assert.Equal(0x11, header[13]); // AF_INET (high nibble), STREAM (low nibble)
        Assert.Equal(header.Length - 16, (header[14] << 8) | header[15]);
    }

    [Fact]
    public void Build_writes_ipv4_addresses_then_ports_in_network_order()
    {
        byte[] header = ProxyProtocolV2.Build(s_client4, s_edge4, Facts(), peer: null);

        Assert.Equal(new byte[] { 192, 0, 2, 10 }, header[16..20]);
        Assert.Equal(new byte[] { 198, 51, 100, 1 }, header[20..24]);
        Assert.Equal(new byte[] { 0xC8, 0x22 }, header[24..26]); // 51234
        Assert.Equal(new byte[] { 0x01, 0xBB }, header[26..28]); // 443
    }

    [Fact]
    public void Build_writes_ipv6_addresses_with_the_tcp6_family()
    {
        var client = new IPEndPoint(IPAddress.Parse("2001:db8::10"), 40000);
        var edge = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 8443);

        byte[] header = ProxyProtocolV2.Build(client, edge, Facts(), peer: null);

        Assert.Equal(0x21, header[13]); // AF_INET6, STREAM
        Assert.Equal(client.Address.GetAddressBytes(), header[16..32]);
        Assert.Equal(edge.Address.GetAddressBytes(), header[32..48]);
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(48)));
        Assert.Equal(8443, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(50)));
    }

    [Fact]
    public void An_ipv4_mapped_ipv6_client_on_a_dual_stack_listener_is_sent_as_ipv4()
    {
        var client = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.10"), 51234);
        var edge = new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.1"), 443);

        byte[] header = ProxyProtocolV2.Build(client, edge, Facts(), peer: null);

        Assert.Equal(0x11, header[13]);
        ProxyProtocolV2Header parsed = Assert.IsType<ProxyProtocolV2Header>(ProxyProtocolV2Header.TryParse(header));
        Assert.Equal(s_client4, parsed.Source);
        Assert.Equal(s_edge4, parsed.Destination);
    }

    [Fact]
    public void An_ipv4_header_round_trips_with_alpn_authority_ssl_and_spiffe_tlvs()
    {
        byte[] header = ProxyProtocolV2.Build(s_client4, s_edge4, Facts(), Peer());

        ProxyProtocolV2Header parsed = Assert.IsType<ProxyProtocolV2Header>(ProxyProtocolV2Header.TryParse(header));

        Assert.Equal(s_client4, parsed.Source);
        Assert.Equal(s_edge4, parsed.Destination);
        Assert.Equal(header.Length, parsed.Length);
        Assert.Equal("h2", parsed.Alpn);
        Assert.Equal("api.test", parsed.Authority);
        Assert.Equal(("TLSv1.3", "TLS_AES_128_GCM_SHA256"), parsed.Ssl);
        Assert.Equal("spiffe://td/ns/a/sa/b", parsed.SpiffeId);
        Assert.Equal(
            [ProxyProtocolV2.TypeAlpn, ProxyProtocolV2.TypeAuthority, ProxyProtocolV2.TypeSsl, ProxyProtocolV2.SpiffeIdType],
            parsed.Tlvs.Keys.Order());
    }

    [Fact]
    public void An_ipv6_header_round_trips_with_its_tlvs()
    {
        var client = new IPEndPoint(IPAddress.Parse("2001:db8::10"), 40000);
        var edge = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 8443);

        ProxyProtocolV2Header? parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(client, edge, Facts(alpn: "http/1.1"), Peer()));

        Assert.NotNull(parsed);
        Assert.Equal(client, parsed.Source);
        Assert.Equal(edge, parsed.Destination);
        Assert.Equal("http/1.1", parsed.Alpn);
        Assert.Equal("api.test", parsed.Authority);
        Assert.Equal(("TLSv1.3", "TLS_AES_128_GCM_SHA256"), parsed.Ssl);
        Assert.Equal("spiffe://td/ns/a/sa/b", parsed.SpiffeId);
    }

    [Fact]
    public void A_peer_without_a_spiffe_id_gets_no_spiffe_tlv()
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(), Peer(spiffeId: null)))!;

        Assert.False(parsed.Tlvs.ContainsKey(ProxyProtocolV2.SpiffeIdType));
        Assert.Null(parsed.SpiffeId);
    }

    [Fact]
    public void A_client_without_a_certificate_gets_no_spiffe_tlv_and_only_the_ssl_client_bit()
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(clientCertificate: false), peer: null))!;

        Assert.False(parsed.Tlvs.ContainsKey(ProxyProtocolV2.SpiffeIdType));
        Assert.Equal(ProxyProtocolV2.ClientSsl, parsed.Tlvs[ProxyProtocolV2.TypeSsl][0]);
    }

    [Theory]
    [InlineData(false, ProxyProtocolV2.ClientSsl | ProxyProtocolV2.ClientCertConnection | ProxyProtocolV2.ClientCertSession)]
    [InlineData(true, ProxyProtocolV2.ClientSsl | ProxyProtocolV2.ClientCertSession)]
    public void A_certificate_counts_for_the_connection_only_when_it_was_sent_on_it_not_on_resumption(bool resumed, int expected)
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(reused: resumed), Peer()))!;

        Assert.Equal(expected, parsed.Tlvs[ProxyProtocolV2.TypeSsl][0]);
    }

    [Fact]
    public void A_client_with_a_certificate_has_the_certificate_bit_set_in_the_ssl_tlv()
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(), Peer()))!;

        byte client = parsed.Tlvs[ProxyProtocolV2.TypeSsl][0];
        Assert.Equal(ProxyProtocolV2.ClientSsl, client & ProxyProtocolV2.ClientSsl);
        Assert.Equal(ProxyProtocolV2.ClientCertConnection, client & ProxyProtocolV2.ClientCertConnection);
    }

    [Fact]
    public void The_ssl_tlv_carries_the_verify_result_in_network_order()
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(verifyResult: 0x0102_0304), Peer()))!;

        Assert.Equal(new byte[] { 0x01, 0x02, 0x03, 0x04 }, parsed.Tlvs[ProxyProtocolV2.TypeSsl][1..5]);
    }

    [Fact]
    public void A_connection_without_alpn_or_sni_gets_no_alpn_or_authority_tlv()
    {
        ProxyProtocolV2Header parsed = ProxyProtocolV2Header.TryParse(ProxyProtocolV2.Build(s_client4, s_edge4, Facts(alpn: null, serverName: null), peer: null))!;

        Assert.Null(parsed.Alpn);
        Assert.Null(parsed.Authority);
        Assert.Equal([ProxyProtocolV2.TypeSsl], parsed.Tlvs.Keys);
        Assert.Equal(("TLSv1.3", "TLS_AES_128_GCM_SHA256"), parsed.Ssl);
    }

    [Fact]
    public void Each_tlv_is_a_type_byte_and_a_big_endian_length()
    {
        byte[] header = ProxyProtocolV2.Build(s_client4, s_edge4, Facts(alpn: "h2", serverName: null), peer: null);

        // The first TLV follows the 16 fixed bytes and the 12-byte IPv4 address block.
        Assert.Equal(new byte[] { ProxyProtocolV2.TypeAlpn, 0x00, 0x02, (byte)'h', (byte)'2' }, header[28..33]);
    }
}
