using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Interop;
using TlsGateway.Tls;
using Xunit.Abstractions;

namespace TlsGateway.Edge.Tests.Fuzz;

/// <summary>
/// The PROXY v2 writer round-trips (<see cref="Fuzzer"/>): the fuzzer's bytes are read as the
/// facts of a finished handshake — addresses of either family (IPv4-mapped and mixed ones too),
/// ports, TLS version, cipher, ALPN, SNI, session reuse, verify result, a client SPIFFE ID — within
/// what the edge can actually be handed (an SNI OpenSSL accepted: 1-255 bytes, no NUL, read as
/// UTF-8; an ALPN name from the config: ASCII; a SPIFFE ID of at most 2048 bytes), and the header
/// <see cref="ProxyProtocolV2.Build"/> writes must read back, through <see cref="ProxyProtocolV2Header"/>,
/// as exactly those facts. The writer has no error to throw for such input: any exception is a finding.
/// </summary>
public sealed class ProxyProtocolWriterFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Whatever_the_handshake_facts_the_header_written_reads_back_as_the_same_facts()
    {
        byte[][] seeds =
        [
            [0, 192, 0, 2, 10, 198, 51, 100, 1, 0xc8, 0x02, 0x01, 0xbb, 0xff, 0x03, 0x04, 0, 0, 0, 0, 2, (byte)'h', (byte)'2', 8, .. "api.test"u8,
                22, .. "TLS_AES_128_GCM_SHA256"u8, 21, .. "spiffe://td/ns/a/sa/b"u8],
            [1, .. Enumerable.Range(0, 36).Select(i => (byte)(i * 7)), 0x07, 0x03, 0x03, 0, 0, 0, 20, 8, .. "http/1.1"u8, 9, .. "bücher.de"u8],
            [2, 10, 0, 0, 1, .. Enumerable.Range(0, 16).Select(i => (byte)(0xfe - i)), 0, 80, 1, 187, 0x05],
            [3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x02],
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            var facts = new FactSource(input);
            (IPEndPoint source, IPEndPoint destination) = facts.Endpoints();
            (HandshakeFacts handshake, PeerIdentity? peer) = facts.Handshake();

            byte[] header = ProxyProtocolV2.Build(source, destination, handshake, peer);
            ProxyProtocolV2Header read = ProxyProtocolV2Header.TryParse(header) ?? throw new InvalidOperationException("the reader asked for more bytes of a whole header");

            Assert.Equal(header.Length, read.Length);
            (IPAddress from, IPAddress to) = Expected(source.Address, destination.Address);
            Assert.Equal(from, read.Source.Address);
            Assert.Equal(to, read.Destination.Address);
            Assert.Equal(source.Port, read.Source.Port);
            Assert.Equal(destination.Port, read.Destination.Port);
            Assert.Equal(handshake.ApplicationProtocol, read.Alpn);
            Assert.Equal(handshake.ServerName, read.Authority);
            Assert.Equal(peer?.SpiffeId, read.SpiffeId);
            Assert.Equal((TlsVersionNames.ToDisplay(handshake.Version), handshake.CipherName), read.Ssl);
            byte[] ssl = read.Tlvs[ProxyProtocolV2.TypeSsl];
            byte client = (byte)(ProxyProtocolV2.ClientSsl
                | (handshake.PeerPresentedCertificate ? ProxyProtocolV2.ClientCertSession : 0)
                | (handshake.PeerPresentedCertificate && !handshake.SessionReused ? ProxyProtocolV2.ClientCertConnection : 0));
            Assert.Equal(client, ssl[0]);
            Assert.Equal((uint)handshake.VerifyResult, BinaryPrimitives.ReadUInt32BigEndian(ssl.AsSpan(1)));
        }, _ => false);

        output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 1_000, $"only {runs} inputs ran");
    }

    // The writer sends IPv4-mapped addresses as IPv4, and a destination of the other family as that family's "any".
    private static (IPAddress From, IPAddress To) Expected(IPAddress source, IPAddress destination)
    {
        IPAddress from = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        IPAddress to = destination.IsIPv4MappedToIPv6 ? destination.MapToIPv4() : destination;
        if (from.AddressFamily != to.AddressFamily)
        {
            to = from.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
        }

        return (new IPAddress(from.GetAddressBytes()), new IPAddress(to.GetAddressBytes()));
    }

    /// <summary>Reads handshake facts off the fuzzer's bytes; past the end every read is zero or empty.</summary>
    private sealed class FactSource(byte[] data)
    {
        private int _at;

        public (IPEndPoint Source, IPEndPoint Destination) Endpoints()
        {
            // 0: both IPv4, 1: both IPv6, 2: IPv4 to IPv6, 3: IPv4-mapped IPv6 on both sides.
            return (Byte() % 4) switch
            {
                0 => (new IPEndPoint(V4(), Port()), new IPEndPoint(V4(), Port())),
                1 => (new IPEndPoint(V6(), Port()), new IPEndPoint(V6(), Port())),
                2 => (new IPEndPoint(V4(), Port()), new IPEndPoint(V6(), Port())),
                _ => (new IPEndPoint(V4().MapToIPv6(), Port()), new IPEndPoint(V4().MapToIPv6(), Port())),
            };
        }

        public (HandshakeFacts Facts, PeerIdentity? Peer) Handshake()
        {
            byte flags = Byte();
            int version = (Byte() << 8) | Byte();
            int verify = (int)BinaryPrimitives.ReadUInt32BigEndian(Take(4));
            string? alpn = (flags & 1) != 0 ? Ascii(Take(Math.Max(1, (int)Byte()))) : null;
            string? sni = (flags & 2) != 0 ? ServerName(Take(Math.Max(1, (int)Byte()))) : null;
            string cipher = Ascii(Take(Byte()));
            string? spiffe = (flags & 4) != 0 ? "spiffe://" + Ascii(Take(Math.Min(2048 - 9, (Byte() << 4) | Byte()))) : null;
            var facts = new HandshakeFacts(version, cipher, alpn, sni, "X25519", SessionReused: (flags & 8) != 0,
                PeerPresentedCertificate: (flags & 16) != 0, VerifyResult: verify);
            PeerIdentity? peer = (flags & 32) != 0 || spiffe is not null
                ? new PeerIdentity(spiffe, [], spiffe is null ? [] : [spiffe], "CN=client", DateTimeOffset.UnixEpoch)
                : null;
            return (facts, peer);
        }

        private IPAddress V4() => new(Take(4));

        private IPAddress V6() => new(Take(16));

        private int Port() => (Byte() << 8) | Byte();

        private byte Byte() => _at < data.Length ? data[_at++] : (byte)0;

        private byte[] Take(int count)
        {
            byte[] taken = new byte[count];
            int available = Math.Clamp(data.Length - _at, 0, count);
            data.AsSpan(_at, available).CopyTo(taken);
            _at += available;
            return taken;
        }

        // What an ALPN name from the config and a cipher name from OpenSSL can hold: printable ASCII.
        private static string Ascii(byte[] bytes) => new(bytes.Select(b => (char)(0x21 + (b % 0x5e))).ToArray());

        // As the SNI callback reads it: OpenSSL refuses a NUL in host_name; the bytes are taken as UTF-8.
        private static string ServerName(byte[] bytes) => Encoding.UTF8.GetString(bytes.Select(b => b == 0 ? (byte)'a' : b).ToArray());
    }
}
