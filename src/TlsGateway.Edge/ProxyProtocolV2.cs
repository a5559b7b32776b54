using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Writes the PROXY protocol version 2 header (haproxy's proxy-protocol.txt, section 2.2) that
/// tells an upstream who the client is: its address, and as TLVs the TLS facts — ALPN
/// (PP2_TYPE_ALPN), SNI (PP2_TYPE_AUTHORITY), version and cipher (PP2_TYPE_SSL sub-TLVs), and the
/// client's SPIFFE ID in a custom TLV (<see cref="SpiffeIdType"/>, from the 0xE0-0xEF range the
/// spec reserves for applications). Reading it back is <see cref="ProxyProtocolV2Header"/>.
/// </summary>
public static class ProxyProtocolV2
{
    public static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public const byte TypeAlpn = 0x01;
    public const byte TypeAuthority = 0x02;
    public const byte TypeSsl = 0x20;
    public const byte SubtypeSslVersion = 0x21;
    public const byte SubtypeSslCipher = 0x23;

    /// <summary>Our custom TLV: the verified client SPIFFE ID (UTF-8).</summary>
    public const byte SpiffeIdType = 0xE0;

    /// <summary>PP2_CLIENT_SSL, PP2_CLIENT_CERT_CONN and PP2_CLIENT_CERT_SESS of the PP2_TYPE_SSL client field.</summary>
    public const byte ClientSsl = 0x01;
    public const byte ClientCertConnection = 0x02;
    public const byte ClientCertSession = 0x04;

    /// <summary>The header for a TLS client at <paramref name="source"/> that reached <paramref name="destination"/>.</summary>
    public static byte[] Build(IPEndPoint source, IPEndPoint destination, HandshakeFacts facts, PeerIdentity? peer)
    {
        using var tlvs = new MemoryStream();
        if (facts.ApplicationProtocol is not null)
        {
            WriteTlv(tlvs, TypeAlpn, Encoding.ASCII.GetBytes(facts.ApplicationProtocol));
        }

        if (facts.ServerName is not null)
        {
            // UTF-8, as proxy-protocol.txt section 2.2.2 specifies for PP2_TYPE_AUTHORITY: OpenSSL
            // passes on an SNI with non-ASCII bytes, and ASCII would turn each of them into '?'.
            WriteTlv(tlvs, TypeAuthority, Encoding.UTF8.GetBytes(facts.ServerName));
        }

        using (var ssl = new MemoryStream())
        {
            // CERT_SESS: a certificate was presented at some point in this TLS session; CERT_CONN:
            // on this very connection, which a resumed handshake does not do.
            byte client = ClientSsl;
            if (facts.PeerPresentedCertificate)
            {
                client |= ClientCertSession;
                if (!facts.SessionReused)
                {
                    client |= ClientCertConnection;
                }
            }

            ssl.WriteByte(client);
            Span<byte> verify = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(verify, (uint)facts.VerifyResult);
            ssl.Write(verify);
            WriteTlv(ssl, SubtypeSslVersion, Encoding.ASCII.GetBytes(TlsVersionNames.ToDisplay(facts.Version)));
            WriteTlv(ssl, SubtypeSslCipher, Encoding.ASCII.GetBytes(facts.CipherName));
            WriteTlv(tlvs, TypeSsl, ssl.ToArray());
        }

        if (peer?.SpiffeId is not null)
        {
            WriteTlv(tlvs, SpiffeIdType, Encoding.UTF8.GetBytes(peer.SpiffeId));
        }

        (byte family, byte[] addresses) = Addresses(source, destination);
        byte[] tlvBytes = tlvs.ToArray();
        byte[] header = new byte[16 + addresses.Length + tlvBytes.Length];
        Signature.CopyTo(header);
        header[12] = 0x21; // version 2, command PROXY
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), checked((ushort)(addresses.Length + tlvBytes.Length)));
        addresses.CopyTo(header, 16);
        tlvBytes.CopyTo(header, 16 + addresses.Length);
        return header;
    }

    private static (byte Family, byte[] Addresses) Addresses(IPEndPoint source, IPEndPoint destination)
    {
        IPAddress from = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        IPAddress to = destination.Address.IsIPv4MappedToIPv6 ? destination.Address.MapToIPv4() : destination.Address;
        if (from.AddressFamily != to.AddressFamily)
        {
            to = from.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
        }

        bool v4 = from.AddressFamily == AddressFamily.InterNetwork;
        int length = v4 ? 4 : 16;
        byte[] block = new byte[(2 * length) + 4];
        from.GetAddressBytes().CopyTo(block, 0);
        to.GetAddressBytes().CopyTo(block, length);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * length), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan((2 * length) + 2), (ushort)destination.Port);
        return (v4 ? (byte)0x11 : (byte)0x21, block); // TCP over IPv4 / IPv6
    }

    private static void WriteTlv(Stream stream, byte type, byte[] value)
    {
        Span<byte> head = stackalloc byte[3];
        head[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(head[1..], checked((ushort)value.Length));
        stream.Write(head);
        stream.Write(value);
    }
}
