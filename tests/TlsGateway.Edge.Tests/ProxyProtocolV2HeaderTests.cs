using System.Net;
using static TlsGateway.Edge.Tests.Infrastructure.HandshakeSamples;

namespace TlsGateway.Edge.Tests;

public class ProxyProtocolV2HeaderTests
{
    private static readonly IPEndPoint s_client = new(IPAddress.Parse("192.0.2.10"), 51234);
    private static readonly IPEndPoint s_edge = new(IPAddress.Parse("198.51.100.1"), 443);

    private static byte[] ValidHeader() => ProxyProtocolV2.Build(s_client, s_edge, Facts(), Peer());

    /// <summary>Signature, version/command 0x21, TCP over IPv4, then <paramref name="body"/> with its length.</summary>
    private static byte[] Header(byte[] body, byte versionCommand = 0x21, byte family = 0x11) =>
        [.. ProxyProtocolV2.Signature, versionCommand, family, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static readonly byte[] s_ipv4Block = [192, 0, 2, 10, 198, 51, 100, 1, 0xC8, 0x22, 0x01, 0xBB];

    [Fact]
    public void Every_proper_prefix_of_a_header_asks_for_more_bytes()
    {
        byte[] header = ValidHeader();

        for (int length = 0; length < header.Length; length++)
        {
            Assert.Null(ProxyProtocolV2Header.TryParse(header.AsSpan(0, length)));
        }
    }

    [Fact]
    public void A_header_followed_by_the_clients_first_bytes_parses_and_reports_only_its_own_length()
    {
        byte[] header = ValidHeader();
        byte[] stream = [.. header, 0x16, 0x03, 0x01, 0x00, 0xF4];

        ProxyProtocolV2Header? parsed = ProxyProtocolV2Header.TryParse(stream);

        Assert.NotNull(parsed);
        Assert.Equal(header.Length, parsed.Length);
        Assert.Equal(s_client, parsed.Source);
    }

    [Fact]
    public void A_header_without_tlvs_parses_with_an_empty_tlv_set()
    {
        ProxyProtocolV2Header? parsed = ProxyProtocolV2Header.TryParse(Header(s_ipv4Block));

        Assert.NotNull(parsed);
        Assert.Equal(s_client, parsed.Source);
        Assert.Equal(s_edge, parsed.Destination);
        Assert.Empty(parsed.Tlvs);
        Assert.Equal((null, null), parsed.Ssl);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void A_wrong_signature_byte_is_rejected_even_before_the_header_is_complete(int index)
    {
        byte[] header = ValidHeader();
        header[index] ^= 0xFF;

        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(header));
        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(header.AsSpan(0, index + 1)));
    }

    [Fact]
    public void A_proxy_protocol_v1_text_header_is_rejected()
    {
        byte[] v1 = "PROXY TCP4 192.0.2.10 198.51.100.1 51234 443\r\n"u8.ToArray();

        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(v1));
    }

    [Theory]
    [InlineData(0x11)] // version 1
    [InlineData(0x31)] // version 3
    [InlineData(0x22)] // version 2, undefined command
    public void A_bad_version_or_command_byte_is_rejected(byte versionCommand)
    {
        var error = Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(Header(s_ipv4Block, versionCommand: versionCommand)));

        Assert.Contains($"0x{versionCommand:x2}", error.Message);
    }

    [Theory]
    [InlineData(0x00)] // AF_UNSPEC
    [InlineData(0x12)] // UDP over IPv4
    [InlineData(0x31)] // AF_UNIX stream
    public void An_unsupported_address_family_is_rejected(byte family)
    {
        var error = Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(Header(s_ipv4Block, family: family)));

        Assert.Contains($"0x{family:x2}", error.Message);
    }

    [Fact]
    public void A_length_too_short_for_the_address_block_is_rejected()
    {
        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(Header(s_ipv4Block[..8])));
        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(Header(s_ipv4Block, family: 0x21)));
    }

    [Fact]
    public void A_tlv_whose_length_runs_past_the_end_of_the_header_is_rejected()
    {
        byte[] header = Header([.. s_ipv4Block, ProxyProtocolV2.TypeAlpn, 0x00, 0x10, (byte)'h', (byte)'2']);

        var error = Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(header));

        Assert.Contains("TLV", error.Message);
    }

    [Fact]
    public void A_tlv_cut_off_inside_its_type_and_length_is_rejected()
    {
        byte[] header = Header([.. s_ipv4Block, ProxyProtocolV2.TypeAlpn, 0x00]);

        Assert.Throws<FormatException>(() => ProxyProtocolV2Header.TryParse(header));
    }

    [Fact]
    public void Random_bytes_never_throw_anything_but_format_exception_nor_parse_past_the_input()
    {
        var random = new Random(20240611);
        byte[] valid = ValidHeader();
        int parsed = 0;
        int rejected = 0;

        for (int i = 0; i < 2_000; i++)
        {
            byte[] input = (i % 4) switch
            {
                // Pure noise: almost always a bad signature.
                0 => RandomBytes(random, random.Next(0, 96)),

                // A good signature and version, then noise: reaches the family, length and TLV checks.
                1 => [.. ProxyProtocolV2.Signature, 0x21, random.Next(2) == 0 ? (byte)0x11 : (byte)0x21, 0x00, (byte)random.Next(0, 80), .. RandomBytes(random, random.Next(0, 96))],

                // A valid header with a few bytes flipped.
                2 => Mutate(random, valid),

                // A valid header cut short or run on.
                _ => random.Next(2) == 0 ? valid[..random.Next(0, valid.Length)] : [.. valid, .. RandomBytes(random, random.Next(1, 32))],
            };

            try
            {
                ProxyProtocolV2Header? header = ProxyProtocolV2Header.TryParse(input);
                if (header is not null)
                {
                    parsed++;
                    Assert.InRange(header.Length, 16, input.Length);
                    _ = (header.Alpn, header.Authority, header.SpiffeId, header.Source, header.Destination);
                    _ = header.Ssl;
                }
            }
            catch (FormatException)
            {
                rejected++;
            }
        }

        // The generators must reach both outcomes, or the property says little.
        Assert.True(parsed > 100, $"only {parsed} inputs parsed");
        Assert.True(rejected > 100, $"only {rejected} inputs were rejected");
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] source)
    {
        byte[] copy = (byte[])source.Clone();
        int flips = random.Next(1, 4);
        for (int f = 0; f < flips; f++)
        {
            copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
        }

        return copy;
    }
}
