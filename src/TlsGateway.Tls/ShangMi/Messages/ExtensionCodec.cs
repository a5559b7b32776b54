using System.Text;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The extension_data of each extension the engine understands, both ways: <c>Encode*</c> builds a
/// <see cref="TlsExtension"/>, <c>Decode*</c> reads one and fails with decode_error on a wrong
/// length (RFC 8446 §6.2). Vector bounds are the ones RFC 8446 §4.2.x and RFC 6066 / RFC 7301 give.
/// Protocol names and host names are strings in Latin-1, which maps every byte to one char and
/// back, so nothing the peer sent is lost or rejected here; deciding what is acceptable is policy's job.
/// </summary>
public static class ExtensionCodec
{
    private const byte HostNameType = 0; // RFC 6066 §3: NameType host_name(0)

    public static TlsExtension EncodeServerName(string hostName) => Build(ExtensionType.ServerName, w =>
    {
        using (w.BeginVector16())
        {
            w.WriteUInt8(HostNameType);
            w.WriteOpaque16(Encoding.Latin1.GetBytes(hostName));
        }
    });

    /// <summary>
    /// The first host_name of a ClientHello's server_name (RFC 6066 §3); null if the list names none.
    /// Other name types are skipped: each entry's length says how far.
    /// </summary>
    public static string? DecodeServerName(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        TlsReader list = reader.ReadVector16(min: 1);
        reader.EnsureEnd("server_name");
        string? hostName = null;
        var seenTypes = new HashSet<byte>();
        while (!list.IsEmpty)
        {
            byte type = list.ReadUInt8();
            ReadOnlySpan<byte> name = list.ReadOpaque16(min: 1);

            // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
            if (!seenTypes.Add(type))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"server_name lists name type {type} twice");
            }

            if (type == HostNameType)
            {
                hostName = Encoding.Latin1.GetString(name);
            }
        }

        return hostName;
    }

    /// <summary>ClientHello supported_versions: ProtocolVersion versions&lt;2..254&gt; (§4.2.1).</summary>
    public static TlsExtension EncodeSupportedVersions(IEnumerable<ushort> versions) => Build(ExtensionType.SupportedVersions, w =>
    {
        using (w.BeginVector8())
        {
            foreach (ushort version in versions)
            {
                w.WriteUInt16(version);
            }
        }
    });

    public static ushort[] DecodeSupportedVersions(ReadOnlySpan<byte> data) => DecodeList(data, 1, 2, 254, "supported_versions");

    /// <summary>ServerHello / HelloRetryRequest supported_versions: the one selected_version (§4.2.1).</summary>
    public static TlsExtension EncodeSelectedVersion(ushort version) => Build(ExtensionType.SupportedVersions, w => w.WriteUInt16(version));

    public static ushort DecodeSelectedVersion(ReadOnlySpan<byte> data) => DecodeUInt16(data, "supported_versions (selected)");

    /// <summary>supported_groups: NamedGroup named_group_list&lt;2..2^16-1&gt; (§4.2.7).</summary>
    public static TlsExtension EncodeSupportedGroups(IEnumerable<NamedGroup> groups) =>
        EncodeList(ExtensionType.SupportedGroups, groups.Select(g => (ushort)g));

    public static NamedGroup[] DecodeSupportedGroups(ReadOnlySpan<byte> data) =>
        [.. DecodeList(data, 2, 2, ushort.MaxValue, "supported_groups").Select(v => (NamedGroup)v)];

    /// <summary>signature_algorithms and signature_algorithms_cert: SignatureScheme list&lt;2..2^16-2&gt; (§4.2.3).</summary>
    public static TlsExtension EncodeSignatureAlgorithms(IEnumerable<SignatureScheme> schemes, bool forCertificates = false) =>
        EncodeList(forCertificates ? ExtensionType.SignatureAlgorithmsCert : ExtensionType.SignatureAlgorithms, schemes.Select(s => (ushort)s));

    public static SignatureScheme[] DecodeSignatureAlgorithms(ReadOnlySpan<byte> data) =>
        [.. DecodeList(data, 2, 2, ushort.MaxValue - 1, "signature_algorithms").Select(v => (SignatureScheme)v)];

    /// <summary>ClientHello key_share: KeyShareEntry client_shares&lt;0..2^16-1&gt; (§4.2.8).</summary>
    public static TlsExtension EncodeClientKeyShares(IEnumerable<KeyShareEntry> shares) => Build(ExtensionType.KeyShare, w =>
    {
        using (w.BeginVector16())
        {
            foreach (KeyShareEntry share in shares)
            {
                WriteKeyShare(w, share);
            }
        }
    });

    public static KeyShareEntry[] DecodeClientKeyShares(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        TlsReader list = reader.ReadVector16();
        reader.EnsureEnd("key_share");
        var shares = new List<KeyShareEntry>();
        while (!list.IsEmpty)
        {
            KeyShareEntry share = ReadKeyShare(ref list);

            // §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group."
            if (shares.Any(s => s.Group == share.Group))
            {
                throw new TlsProtocolException(AlertDescription.IllegalParameter, $"key_share offers group {share.Group} twice");
            }

            shares.Add(share);
        }

        return [.. shares];
    }

    /// <summary>ServerHello key_share: the one server_share (§4.2.8).</summary>
    public static TlsExtension EncodeServerKeyShare(KeyShareEntry share) => Build(ExtensionType.KeyShare, w => WriteKeyShare(w, share));

    public static KeyShareEntry DecodeServerKeyShare(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        KeyShareEntry share = ReadKeyShare(ref reader);
        reader.EnsureEnd("key_share (server)");
        return share;
    }

    /// <summary>HelloRetryRequest key_share: only the selected_group (§4.2.8).</summary>
    public static TlsExtension EncodeSelectedGroup(NamedGroup group) => Build(ExtensionType.KeyShare, w => w.WriteUInt16((ushort)group));

    public static NamedGroup DecodeSelectedGroup(ReadOnlySpan<byte> data) => (NamedGroup)DecodeUInt16(data, "key_share (retry)");

    /// <summary>psk_key_exchange_modes: PskKeyExchangeMode ke_modes&lt;1..255&gt; (§4.2.9).</summary>
    public static TlsExtension EncodePskKeyExchangeModes(IEnumerable<PskKeyExchangeMode> modes) => Build(ExtensionType.PskKeyExchangeModes, w =>
    {
        using (w.BeginVector8())
        {
            foreach (PskKeyExchangeMode mode in modes)
            {
                w.WriteUInt8((byte)mode);
            }
        }
    });

    public static PskKeyExchangeMode[] DecodePskKeyExchangeModes(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        ReadOnlySpan<byte> modes = reader.ReadOpaque8(min: 1);
        reader.EnsureEnd("psk_key_exchange_modes");
        var result = new PskKeyExchangeMode[modes.Length];
        for (int i = 0; i < modes.Length; i++)
        {
            result[i] = (PskKeyExchangeMode)modes[i];
        }

        return result;
    }

    /// <summary>
    /// ClientHello pre_shared_key: identities&lt;7..2^16-1&gt; then binders&lt;33..2^16-1&gt;, each binder
    /// opaque&lt;32..255&gt; (§4.2.11). Writing placeholder binders of the right length and patching
    /// them afterwards is how a client computes them (see <see cref="ClientHello.BindersOffset"/>).
    /// </summary>
    public static TlsExtension EncodeOfferedPsks(OfferedPsks psks) => Build(ExtensionType.PreSharedKey, w =>
    {
        using (w.BeginVector16())
        {
            foreach (PskIdentity identity in psks.Identities)
            {
                w.WriteOpaque16(identity.Identity.Span);
                w.WriteUInt32(identity.ObfuscatedTicketAge);
            }
        }

        using (w.BeginVector16())
        {
            foreach (ReadOnlyMemory<byte> binder in psks.Binders)
            {
                w.WriteOpaque8(binder.Span);
            }
        }
    });

    public static OfferedPsks DecodeOfferedPsks(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        TlsReader identities = reader.ReadVector16(min: 7);
        TlsReader binders = reader.ReadVector16(min: 33);
        reader.EnsureEnd("pre_shared_key");
        var identityList = new List<PskIdentity>();
        while (!identities.IsEmpty)
        {
            byte[] identity = identities.ReadOpaque16(min: 1).ToArray();
            identityList.Add(new PskIdentity(identity, identities.ReadUInt32()));
        }

        var binderList = new List<ReadOnlyMemory<byte>>();
        while (!binders.IsEmpty)
        {
            binderList.Add(binders.ReadOpaque8(min: 32).ToArray());
        }

        // §4.2.11: one binder per identity, in order; a count mismatch is a malformed offer.
        if (identityList.Count != binderList.Count)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter,
                $"pre_shared_key has {identityList.Count} identities but {binderList.Count} binders");
        }

        return new OfferedPsks(identityList, binderList);
    }

    /// <summary>ServerHello pre_shared_key: uint16 selected_identity (§4.2.11).</summary>
    public static TlsExtension EncodeSelectedIdentity(ushort index) => Build(ExtensionType.PreSharedKey, w => w.WriteUInt16(index));

    public static ushort DecodeSelectedIdentity(ReadOnlySpan<byte> data) => DecodeUInt16(data, "pre_shared_key (selected)");

    /// <summary>application_layer_protocol_negotiation: ProtocolName&lt;1..2^8-1&gt; list&lt;2..2^16-1&gt; (RFC 7301 §3.1).</summary>
    public static TlsExtension EncodeAlpn(IEnumerable<string> protocols) => Build(ExtensionType.ApplicationLayerProtocolNegotiation, w =>
    {
        using (w.BeginVector16())
        {
            foreach (string protocol in protocols)
            {
                w.WriteOpaque8(Encoding.Latin1.GetBytes(protocol));
            }
        }
    });

    public static string[] DecodeAlpn(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        TlsReader list = reader.ReadVector16(min: 2);
        reader.EnsureEnd("application_layer_protocol_negotiation");
        var protocols = new List<string>();
        while (!list.IsEmpty)
        {
            protocols.Add(Encoding.Latin1.GetString(list.ReadOpaque8(min: 1)));
        }

        return [.. protocols];
    }

    /// <summary>cookie: opaque cookie&lt;1..2^16-1&gt; (§4.2.2).</summary>
    public static TlsExtension EncodeCookie(ReadOnlySpan<byte> cookie)
    {
        var writer = new TlsWriter(cookie.Length + 2);
        writer.WriteOpaque16(cookie);
        return new TlsExtension(ExtensionType.Cookie, writer.ToArray());
    }

    public static byte[] DecodeCookie(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        byte[] cookie = reader.ReadOpaque16(min: 1).ToArray();
        reader.EnsureEnd("cookie");
        return cookie;
    }

    /// <summary>An extension whose extension_data is empty (early_data in CH/EE, server_name in EE, post_handshake_auth).</summary>
    public static TlsExtension EncodeEmpty(ExtensionType type) => new(type, ReadOnlyMemory<byte>.Empty);

    public static void DecodeEmpty(ReadOnlySpan<byte> data, ExtensionType type)
    {
        if (!data.IsEmpty)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"{type} must be empty here, has {data.Length} bytes");
        }
    }

    /// <summary>NewSessionTicket early_data: uint32 max_early_data_size (§4.2.10).</summary>
    public static TlsExtension EncodeMaxEarlyDataSize(uint size) => Build(ExtensionType.EarlyData, w => w.WriteUInt32(size));

    public static uint DecodeMaxEarlyDataSize(ReadOnlySpan<byte> data)
    {
        var reader = new TlsReader(data);
        uint size = reader.ReadUInt32();
        reader.EnsureEnd("early_data (max size)");
        return size;
    }

    private static void WriteKeyShare(TlsWriter writer, KeyShareEntry share)
    {
        writer.WriteUInt16((ushort)share.Group);
        writer.WriteOpaque16(share.KeyExchange.Span);
    }

    private static KeyShareEntry ReadKeyShare(ref TlsReader reader)
    {
        var group = (NamedGroup)reader.ReadUInt16();
        byte[] keyExchange = reader.ReadOpaque16(min: 1).ToArray();
        return new KeyShareEntry(group, keyExchange);
    }

    private static TlsExtension EncodeList(ExtensionType type, IEnumerable<ushort> values) => Build(type, w =>
    {
        using (w.BeginVector16())
        {
            foreach (ushort value in values)
            {
                w.WriteUInt16(value);
            }
        }
    });

    private static ushort[] DecodeList(ReadOnlySpan<byte> data, int prefixBytes, int min, int max, string what)
    {
        var reader = new TlsReader(data);
        ushort[] values = reader.ReadUInt16List(prefixBytes, min, max, what);
        reader.EnsureEnd(what);
        return values;
    }

    private static ushort DecodeUInt16(ReadOnlySpan<byte> data, string what)
    {
        var reader = new TlsReader(data);
        ushort value = reader.ReadUInt16();
        reader.EnsureEnd(what);
        return value;
    }

    private static TlsExtension Build(ExtensionType type, Action<TlsWriter> write)
    {
        var writer = new TlsWriter(64);
        write(writer);
        return new TlsExtension(type, writer.ToArray());
    }
}
