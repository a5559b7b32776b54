namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A ClientHello (RFC 8446 §4.1.2). The extensions are kept in order and byte for byte; the ones
/// the engine acts on are decoded once, when the message is built or parsed, so a malformed one
/// fails here with the right alert. A typed property is null (or false) when the extension is absent
/// — absence is what the state machine turns into missing_extension (§9.2), not this codec.
/// </summary>
/// <remarks>
/// Purely syntactic rules are enforced here: lengths (decode_error), legacy_compression_methods
/// exactly [0] (§4.1.2, illegal_parameter), no duplicate extension (§4.2), no extension the §4.2 table
/// puts elsewhere, pre_shared_key last (§4.2.11), one binder per identity, one key share per group
/// (§4.2.8). Everything that needs configuration or handshake state (legacy_version 0x0303, TLS 1.3
/// in supported_versions, key shares matching supported_groups, psk_key_exchange_modes present with
/// pre_shared_key) is left to the state machine.
/// </remarks>
public sealed record ClientHello
{
    public const int RandomLength = 32;
    public const int MaxSessionIdLength = 32;

    public ClientHello(ushort legacyVersion, ReadOnlyMemory<byte> random, ReadOnlyMemory<byte> legacySessionId,
        IReadOnlyList<ushort> cipherSuites, IReadOnlyList<TlsExtension> extensions)
    {
        if (random.Length != RandomLength)
        {
            throw new ArgumentException($"random must be {RandomLength} bytes", nameof(random));
        }

        if (legacySessionId.Length > MaxSessionIdLength)
        {
            throw new ArgumentException($"legacy_session_id holds at most {MaxSessionIdLength} bytes", nameof(legacySessionId));
        }

        LegacyVersion = legacyVersion;
        Random = random;
        LegacySessionId = legacySessionId;
        CipherSuites = [.. cipherSuites];
        Extensions = [.. extensions]; // a copy: the decoded fields must not drift from the list
        ExtensionBlock.EnsurePermitted(Extensions, ExtensionContext.ClientHello);

        int extensionOffset = ExtensionsOffset;
        for (int i = 0; i < Extensions.Count; i++)
        {
            TlsExtension extension = Extensions[i];
            ReadOnlySpan<byte> data = extension.Data.Span;
            switch (extension.Type)
            {
                case ExtensionType.ServerName:
                    ServerName = ExtensionCodec.DecodeServerName(data);
                    break;
                case ExtensionType.SupportedVersions:
                    SupportedVersions = ExtensionCodec.DecodeSupportedVersions(data);
                    break;
                case ExtensionType.SupportedGroups:
                    SupportedGroups = ExtensionCodec.DecodeSupportedGroups(data);
                    break;
                case ExtensionType.SignatureAlgorithms:
                    SignatureAlgorithms = ExtensionCodec.DecodeSignatureAlgorithms(data);
                    break;
                case ExtensionType.SignatureAlgorithmsCert:
                    SignatureAlgorithmsCert = ExtensionCodec.DecodeSignatureAlgorithms(data);
                    break;
                case ExtensionType.KeyShare:
                    KeyShares = ExtensionCodec.DecodeClientKeyShares(data);
                    break;
                case ExtensionType.PskKeyExchangeModes:
                    PskKeyExchangeModes = ExtensionCodec.DecodePskKeyExchangeModes(data);
                    break;
                case ExtensionType.ApplicationLayerProtocolNegotiation:
                    ApplicationProtocols = ExtensionCodec.DecodeAlpn(data);
                    break;
                case ExtensionType.Cookie:
                    Cookie = ExtensionCodec.DecodeCookie(data);
                    break;
                case ExtensionType.EarlyData:
                    ExtensionCodec.DecodeEmpty(data, ExtensionType.EarlyData);
                    OffersEarlyData = true;
                    break;
                case ExtensionType.PostHandshakeAuth:
                    ExtensionCodec.DecodeEmpty(data, ExtensionType.PostHandshakeAuth);
                    OffersPostHandshakeAuth = true;
                    break;
                case ExtensionType.PreSharedKey:
                    // §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the
                    // ClientHello ... Servers MUST check that it is the last extension and otherwise
                    // fail the handshake with an "illegal_parameter" alert."
                    if (i != Extensions.Count - 1)
                    {
                        throw new TlsProtocolException(AlertDescription.IllegalParameter, "pre_shared_key is not the last extension");
                    }

                    PreSharedKey = ExtensionCodec.DecodeOfferedPsks(data);
                    BindersOffset = extensionOffset + 4 + extension.Data.Length - PreSharedKey.BindersLength;
                    break;
            }

            extensionOffset += 4 + extension.Data.Length;
        }
    }

    public ushort LegacyVersion { get; }

    public ReadOnlyMemory<byte> Random { get; }

    public ReadOnlyMemory<byte> LegacySessionId { get; }

    public IReadOnlyList<ushort> CipherSuites { get; }

    public IReadOnlyList<TlsExtension> Extensions { get; }

    /// <summary>The host_name of server_name (RFC 6066 §3), as sent (Latin-1 decoded).</summary>
    public string? ServerName { get; }

    public IReadOnlyList<ushort>? SupportedVersions { get; }

    public IReadOnlyList<NamedGroup>? SupportedGroups { get; }

    public IReadOnlyList<SignatureScheme>? SignatureAlgorithms { get; }

    public IReadOnlyList<SignatureScheme>? SignatureAlgorithmsCert { get; }

    /// <summary>key_share's client_shares (§4.2.8); may be empty (the client asks for a HelloRetryRequest).</summary>
    public IReadOnlyList<KeyShareEntry>? KeyShares { get; }

    public IReadOnlyList<PskKeyExchangeMode>? PskKeyExchangeModes { get; }

    public OfferedPsks? PreSharedKey { get; }

    public IReadOnlyList<string>? ApplicationProtocols { get; }

    public ReadOnlyMemory<byte>? Cookie { get; }

    public bool OffersEarlyData { get; }

    public bool OffersPostHandshakeAuth { get; }

    /// <summary>
    /// Where the binders vector (its two-byte length first) starts in the ClientHello body; -1 without
    /// pre_shared_key. The binder's transcript is the framed message cut there — "the partial
    /// ClientHello up to and including the PreSharedKeyExtension.identities field" (§4.2.11.2) — that
    /// is the first <see cref="HandshakeMessage.HeaderLength"/> + BindersOffset bytes of the framed message,
    /// whose header still carries the full length.
    /// </summary>
    public int BindersOffset { get; } = -1;

    /// <summary>True if the client offers TLS 1.3 in supported_versions (§4.2.1), the only way to offer it.</summary>
    public bool OffersTls13 => SupportedVersions?.Contains(ProtocolVersion.Tls13) == true;

    /// <summary>The offset of the first extension in the body: the fields before it, then the extensions vector's length.</summary>
    private int ExtensionsOffset => 2 + RandomLength + 1 + LegacySessionId.Length + 2 + (2 * CipherSuites.Count) + 2 + 2;

    /// <summary>Parses a ClientHello body (without the four-byte handshake header).</summary>
    public static ClientHello Parse(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        ushort legacyVersion = reader.ReadUInt16();
        byte[] random = reader.ReadBytes(RandomLength).ToArray();
        byte[] sessionId = reader.ReadOpaque8(0, MaxSessionIdLength).ToArray();
        ushort[] suites = reader.ReadUInt16List(2, 2, ushort.MaxValue - 1, "cipher_suites");
        ReadOnlySpan<byte> compression = reader.ReadOpaque8(min: 1);

        // §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST contain exactly one byte, set to
        // zero ... If a TLS 1.3 ClientHello is received with any other value in this field, the server
        // MUST abort the handshake with an "illegal_parameter" alert."
        if (compression.Length != 1 || compression[0] != 0)
        {
            throw new TlsProtocolException(AlertDescription.IllegalParameter, "legacy_compression_methods is not exactly [null]");
        }

        // A hello without an extensions block is a pre-TLS 1.2 one (RFC 5246 §7.4.1.2): empty list,
        // which fails later for lack of supported_versions.
        IReadOnlyList<TlsExtension> extensions = reader.IsEmpty ? [] : ExtensionBlock.Read(ref reader, ExtensionContext.ClientHello);
        reader.EnsureEnd("ClientHello");
        return new ClientHello(legacyVersion, random, sessionId, suites, extensions);
    }

    /// <summary>Writes the body (no handshake header).</summary>
    public void Write(TlsWriter writer)
    {
        writer.WriteUInt16(LegacyVersion);
        writer.WriteBytes(Random.Span);
        writer.WriteOpaque8(LegacySessionId.Span);
        using (writer.BeginVector16())
        {
            foreach (ushort suite in CipherSuites)
            {
                writer.WriteUInt16(suite);
            }
        }

        writer.WriteOpaque8([0]);
        ExtensionBlock.Write(writer, Extensions);
    }

    /// <summary>The framed message: what goes into a record and into the transcript.</summary>
    public byte[] ToMessage() => HandshakeMessage.Frame(HandshakeType.ClientHello, Write);

    /// <summary>
    /// Replaces the binders at the end of a framed ClientHello in place (a client computes them over
    /// the prefix after writing placeholders of the same lengths, §4.2.11.2).
    /// </summary>
    public static void PatchBinders(Span<byte> framedMessage, int bindersOffset, IReadOnlyList<ReadOnlyMemory<byte>> binders)
    {
        var writer = new TlsWriter();
        using (writer.BeginVector16())
        {
            foreach (ReadOnlyMemory<byte> binder in binders)
            {
                writer.WriteOpaque8(binder.Span);
            }
        }

        Span<byte> target = framedMessage[(HandshakeMessage.HeaderLength + bindersOffset)..];
        if (target.Length != writer.Length)
        {
            throw new ArgumentException($"binders of {writer.Length} bytes do not replace the {target.Length} bytes there", nameof(binders));
        }

        writer.WrittenSpan.CopyTo(target);
    }
}
