namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): the same structure, told apart by
/// the special Random value. Which typed fields are filled depends on that: a ServerHello has a
/// <see cref="KeyShare"/> (a KeyShareEntry), a HelloRetryRequest a <see cref="SelectedGroup"/> and
/// possibly a <see cref="Cookie"/> (§4.2.8, §4.2.2).
/// </summary>
public sealed record ServerHello
{
    /// <summary>SHA-256("HelloRetryRequest"), the Random of every HelloRetryRequest (§4.1.3).</summary>
    public static ReadOnlySpan<byte> HelloRetryRequestRandom =>
    [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ];

    public ServerHello(ushort legacyVersion, ReadOnlyMemory<byte> random, ReadOnlyMemory<byte> legacySessionIdEcho,
        ushort cipherSuite, IReadOnlyList<TlsExtension> extensions)
    {
        if (random.Length != ClientHello.RandomLength)
        {
            throw new ArgumentException($"random must be {ClientHello.RandomLength} bytes", nameof(random));
        }

        if (legacySessionIdEcho.Length > ClientHello.MaxSessionIdLength)
        {
            throw new ArgumentException($"legacy_session_id_echo holds at most {ClientHello.MaxSessionIdLength} bytes", nameof(legacySessionIdEcho));
        }

        LegacyVersion = legacyVersion;
        Random = random;
        LegacySessionIdEcho = legacySessionIdEcho;
        CipherSuite = cipherSuite;
        Extensions = [.. extensions]; // a copy: the decoded fields must not drift from the list
        IsHelloRetryRequest = random.Span.SequenceEqual(HelloRetryRequestRandom);
        ExtensionBlock.EnsurePermitted(Extensions, IsHelloRetryRequest ? ExtensionContext.HelloRetryRequest : ExtensionContext.ServerHello);

        foreach (TlsExtension extension in Extensions)
        {
            ReadOnlySpan<byte> data = extension.Data.Span;
            switch (extension.Type)
            {
                case ExtensionType.SupportedVersions:
                    SelectedVersion = ExtensionCodec.DecodeSelectedVersion(data);
                    break;
                case ExtensionType.KeyShare when IsHelloRetryRequest:
                    SelectedGroup = ExtensionCodec.DecodeSelectedGroup(data);
                    break;
                case ExtensionType.KeyShare:
                    KeyShare = ExtensionCodec.DecodeServerKeyShare(data);
                    break;
                case ExtensionType.PreSharedKey:
                    SelectedIdentity = ExtensionCodec.DecodeSelectedIdentity(data);
                    break;
                case ExtensionType.Cookie:
                    Cookie = ExtensionCodec.DecodeCookie(data);
                    break;
            }
        }
    }

    public ushort LegacyVersion { get; }

    public ReadOnlyMemory<byte> Random { get; }

    public ReadOnlyMemory<byte> LegacySessionIdEcho { get; }

    public ushort CipherSuite { get; }

    public IReadOnlyList<TlsExtension> Extensions { get; }

    /// <summary>True when Random is the special value of §4.1.3.</summary>
    public bool IsHelloRetryRequest { get; }

    /// <summary>supported_versions' selected_version (§4.2.1); 0x0304 in every TLS 1.3 ServerHello.</summary>
    public ushort? SelectedVersion { get; }

    /// <summary>The server's share (ServerHello only).</summary>
    public KeyShareEntry? KeyShare { get; }

    /// <summary>The group the client must retry with (HelloRetryRequest only).</summary>
    public NamedGroup? SelectedGroup { get; }

    /// <summary>pre_shared_key's selected_identity (§4.2.11).</summary>
    public ushort? SelectedIdentity { get; }

    public ReadOnlyMemory<byte>? Cookie { get; }

    /// <summary>A TLS 1.3 ServerHello: legacy_version 0x0303, selected_version 0x0304, the share, and the PSK chosen if any.</summary>
    public static ServerHello Create(ReadOnlyMemory<byte> random, ReadOnlyMemory<byte> legacySessionIdEcho, ushort cipherSuite,
        KeyShareEntry keyShare, ushort? selectedIdentity = null)
    {
        List<TlsExtension> extensions =
        [
            ExtensionCodec.EncodeSelectedVersion(ProtocolVersion.Tls13),
            ExtensionCodec.EncodeServerKeyShare(keyShare),
        ];
        if (selectedIdentity is { } index)
        {
            extensions.Add(ExtensionCodec.EncodeSelectedIdentity(index));
        }

        return new ServerHello(ProtocolVersion.Tls12, random, legacySessionIdEcho, cipherSuite, extensions);
    }

    /// <summary>
    /// A HelloRetryRequest (§4.1.4): the special Random, the client's session id echoed, the chosen
    /// suite, supported_versions, and the group to retry with and/or a cookie.
    /// </summary>
    public static ServerHello CreateHelloRetryRequest(ReadOnlyMemory<byte> legacySessionIdEcho, ushort cipherSuite,
        NamedGroup? selectedGroup, ReadOnlyMemory<byte>? cookie = null)
    {
        List<TlsExtension> extensions = [ExtensionCodec.EncodeSelectedVersion(ProtocolVersion.Tls13)];
        if (selectedGroup is { } group)
        {
            extensions.Add(ExtensionCodec.EncodeSelectedGroup(group));
        }

        if (cookie is { } value)
        {
            extensions.Add(ExtensionCodec.EncodeCookie(value.Span));
        }

        return new ServerHello(ProtocolVersion.Tls12, HelloRetryRequestRandom.ToArray(), legacySessionIdEcho, cipherSuite, extensions);
    }

    /// <summary>Parses a ServerHello body (without the four-byte handshake header).</summary>
    public static ServerHello Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        ushort legacyVersion = reader.ReadUInt16();
        byte[] random = reader.ReadBytes(ClientHello.RandomLength).ToArray();
        byte[] sessionIdEcho = reader.ReadOpaque8(0, ClientHello.MaxSessionIdLength).ToArray();
        ushort suite = reader.ReadUInt16();

        // §4.1.3: "legacy_compression_method: A single byte which MUST have the value 0."
        if (reader.ReadUInt8() != 0)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "legacy_compression_method is not 0");
        }

        bool retry = random.AsSpan().SequenceEqual(HelloRetryRequestRandom);
        IReadOnlyList<TlsExtension> extensions = ExtensionBlock.Read(ref reader,
            retry ? ExtensionContext.HelloRetryRequest : ExtensionContext.ServerHello, minLength: 6);
        reader.EnsureEnd("ServerHello");
        return new ServerHello(legacyVersion, random, sessionIdEcho, suite, extensions);
    }

    public void Write(TlsWriter writer)
    {
        writer.WriteUInt16(LegacyVersion);
        writer.WriteBytes(Random.Span);
        writer.WriteOpaque8(LegacySessionIdEcho.Span);
        writer.WriteUInt16(CipherSuite);
        writer.WriteUInt8(0);
        ExtensionBlock.Write(writer, Extensions);
    }

    /// <summary>The framed message (a HelloRetryRequest is framed as server_hello too, §4.1.4).</summary>
    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.ServerHello, Write);
}
