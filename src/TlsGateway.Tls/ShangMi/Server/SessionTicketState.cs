using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What a stateless ticket carries for the server (RFC 8446 §4.6.1 leaves it to the server; RFC 5077
/// §4 lists the usual contents): the suite, the resumption PSK, when and for how long it was issued,
/// ticket_age_add, the ALPN protocol and SNI of the original connection, and the client's identity —
/// its leaf certificate (DER, at most <see cref="MaxPeerLeafLength"/> bytes) and whether its chain was
/// validated, against which anchors (a SHA-256 over them). Only the leaf is kept so a ticket stays
/// bounded; a resumed connection reports that one certificate. Owns <see cref="Psk"/> and wipes it on
/// <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Encoding (version 1), big-endian: version(1) suite(2) created_unix_ms(8) lifetime_s(4) age_add(4)
/// psk&lt;1..255&gt; alpn&lt;0..255&gt; sni&lt;0..2^16-1&gt; flags(1: 1 = client certificate, 2 = chain
/// validated) anchors_hash&lt;0..255&gt; leaf&lt;0..2^16-1&gt;. Parsing is strict; anything else is
/// "no usable ticket", never an error for the peer.
/// </remarks>
internal sealed class SessionTicketState : IDisposable
{
    public const int MaxPeerLeafLength = 16 * 1024;

    private const byte Version = 1;
    private const byte HasPeerCertificate = 1;
    private const byte PeerChainValidated = 2;

    public SessionTicketState(ushort suiteId, long createdUnixMilliseconds, uint lifetimeSeconds, uint ageAdd, byte[] psk,
        string? applicationProtocol, string? serverName, byte[]? peerLeaf, bool peerValidated, byte[] anchorsHash)
    {
        SuiteId = suiteId;
        CreatedUnixMilliseconds = createdUnixMilliseconds;
        LifetimeSeconds = lifetimeSeconds;
        AgeAdd = ageAdd;
        Psk = psk;
        ApplicationProtocol = applicationProtocol;
        ServerName = serverName;
        PeerLeaf = peerLeaf;
        PeerValidated = peerValidated;
        AnchorsHash = anchorsHash;
    }

    public ushort SuiteId { get; }

    public long CreatedUnixMilliseconds { get; }

    public uint LifetimeSeconds { get; }

    public uint AgeAdd { get; }

    /// <summary>The resumption PSK (Hash.length bytes); wiped on <see cref="Dispose"/>.</summary>
    public byte[] Psk { get; }

    public string? ApplicationProtocol { get; }

    public string? ServerName { get; }

    /// <summary>The client's leaf certificate, or null if the client sent none.</summary>
    public byte[]? PeerLeaf { get; }

    /// <summary>True when the client's chain was validated against the anchors hashed in <see cref="AnchorsHash"/>.</summary>
    public bool PeerValidated { get; }

    /// <summary>SHA-256 over the trust anchors the chain was validated against; empty if not validated.</summary>
    public byte[] AnchorsHash { get; }

    /// <summary>SHA-256 over the anchors in order, each with its length: what "the same anchors" means to a ticket.</summary>
    public static byte[] HashAnchors(IReadOnlyList<byte[]> anchors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (byte[] anchor in anchors)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, anchor.Length);
            hash.AppendData(length);
            hash.AppendData(anchor);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>The encoding; the caller seals it and then wipes it (it holds the PSK).</summary>
    public byte[] Encode()
    {
        byte[] alpn = ApplicationProtocol is null ? [] : Encoding.UTF8.GetBytes(ApplicationProtocol);
        byte[] sni = ServerName is null ? [] : Encoding.Latin1.GetBytes(ServerName);
        byte[] leaf = PeerLeaf ?? [];
        if (Psk.Length is 0 or > byte.MaxValue || alpn.Length > byte.MaxValue || sni.Length > ushort.MaxValue
            || AnchorsHash.Length > byte.MaxValue || leaf.Length > MaxPeerLeafLength)
        {
            throw new ArgumentException("a session ticket field is out of range");
        }

        byte[] output = new byte[1 + 2 + 8 + 4 + 4 + 1 + Psk.Length + 1 + alpn.Length + 2 + sni.Length + 1 + 1 + AnchorsHash.Length + 2 + leaf.Length];
        Span<byte> at = output;
        at[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(at[1..], SuiteId);
        BinaryPrimitives.WriteInt64BigEndian(at[3..], CreatedUnixMilliseconds);
        BinaryPrimitives.WriteUInt32BigEndian(at[11..], LifetimeSeconds);
        BinaryPrimitives.WriteUInt32BigEndian(at[15..], AgeAdd);
        at = at[19..];
        at = Put8(at, Psk);
        at = Put8(at, alpn);
        at = Put16(at, sni);
        at[0] = (byte)((PeerLeaf is null ? 0 : HasPeerCertificate) | (PeerValidated ? PeerChainValidated : 0));
        at = Put8(at[1..], AnchorsHash);
        Put16(at, leaf);
        return output;
    }

    /// <summary>Decodes an opened ticket; null if it is not a well-formed version-1 state.</summary>
    public static SessionTicketState? TryDecode(ReadOnlySpan<byte> encoded)
    {
        try
        {
            var reader = new TlsReader(encoded);
            if (reader.ReadUInt8() != Version)
            {
                return null;
            }

            ushort suite = reader.ReadUInt16();
            long created = ((long)reader.ReadUInt32() << 32) | reader.ReadUInt32();
            uint lifetime = reader.ReadUInt32();
            uint ageAdd = reader.ReadUInt32();
            ReadOnlySpan<byte> psk = reader.ReadOpaque8(min: 1);
            ReadOnlySpan<byte> alpn = reader.ReadOpaque8();
            ReadOnlySpan<byte> sni = reader.ReadOpaque16();
            byte flags = reader.ReadUInt8();
            ReadOnlySpan<byte> anchors = reader.ReadOpaque8();
            ReadOnlySpan<byte> leaf = reader.ReadOpaque16(max: MaxPeerLeafLength);
            reader.EnsureEnd("session ticket state");
            bool hasLeaf = (flags & HasPeerCertificate) != 0;
            if ((flags & ~(HasPeerCertificate | PeerChainValidated)) != 0 || hasLeaf == leaf.IsEmpty)
            {
                return null;
            }

            return new SessionTicketState(suite, created, lifetime, ageAdd, psk.ToArray(),
                alpn.IsEmpty ? null : Encoding.UTF8.GetString(alpn), sni.IsEmpty ? null : Encoding.Latin1.GetString(sni),
                hasLeaf ? leaf.ToArray() : null, (flags & PeerChainValidated) != 0, anchors.ToArray());
        }
        catch (TlsProtocolException)
        {
            return null;
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(Psk);

    private static Span<byte> Put8(Span<byte> at, ReadOnlySpan<byte> bytes)
    {
        at[0] = (byte)bytes.Length;
        bytes.CopyTo(at[1..]);
        return at[(1 + bytes.Length)..];
    }

    private static Span<byte> Put16(Span<byte> at, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)bytes.Length);
        bytes.CopyTo(at[2..]);
        return at[(2 + bytes.Length)..];
    }
}
