namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Reads the ClientHello from the first bytes of a connection without consuming them (the edge
/// peeks, then hands the untouched stream to the OpenSSL or the ShangMi engine), like Kestrel's
/// TlsListener. Total over any input: it answers NeedMoreData, NotTls, Malformed, TooLarge or a
/// summary, and throws nothing (it is fuzzed).
/// </summary>
/// <remarks>
/// RFC 8446 §5.1: a handshake message may be split across records and records of other types may
/// not come in between; record lengths are at most 2^14 and handshake fragments never empty. The
/// ClientHello is parsed leniently — only what routing needs, no compression or duplicate checks —
/// because a hello that is broken in a way only the engine cares about still belongs to an engine,
/// which will send the alert. Non-goals: SSLv2-compatible hellos (NotTls), ECH.
/// </remarks>
public static class ClientHelloSniffer
{
    /// <summary>The largest ClientHello body accepted: 16 KiB, far above real hellos (post-quantum shares included).</summary>
    public const int MaxClientHelloLength = 16 * 1024;

    /// <summary>More records than this before the hello is complete is a deliberate trickle, not a client.</summary>
    public const int MaxRecords = 32;

    /// <summary>The most bytes the sniffer can need: a peek buffer of this size always suffices.</summary>
    public const int MaxBytes = MaxClientHelloLength + HandshakeMessage.HeaderLength + (MaxRecords * RecordHeaderLength);

    private const int RecordHeaderLength = 5;
    private const int MaxRecordLength = 1 << 14;

    public static ClientHelloSniffResult Sniff(ReadOnlySpan<byte> received)
    {
        if (received.IsEmpty)
        {
            return ClientHelloSniffResult.NeedMoreData;
        }

        // The first bytes decide TLS or not, before a whole record header is there: content type
        // handshake(22), then a legacy_record_version of 3.x (§5.1: 0x0301 for a first ClientHello,
        // 0x0300..0x0303 from older stacks).
        if (received[0] != (byte)ContentType.Handshake)
        {
            return ClientHelloSniffResult.NotTls($"first byte 0x{received[0]:x2} is not a handshake record");
        }

        if (received.Length >= 2 && received[1] != 3)
        {
            return ClientHelloSniffResult.NotTls($"record version major {received[1]} is not 3");
        }

        var joined = new byte[Math.Min(received.Length, MaxClientHelloLength + HandshakeMessage.HeaderLength)];
        int collected = 0;
        int position = 0;
        for (int records = 1; ; records++)
        {
            ReadOnlySpan<byte> rest = received[position..];
            if (rest.Length < RecordHeaderLength)
            {
                return ClientHelloSniffResult.NeedMoreData;
            }

            if (records > MaxRecords)
            {
                return ClientHelloSniffResult.TooLarge($"ClientHello spread over more than {MaxRecords} records");
            }

            if (rest[0] != (byte)ContentType.Handshake)
            {
                return ClientHelloSniffResult.Malformed($"record type {rest[0]} in the middle of the ClientHello");
            }

            if (rest[1] != 3)
            {
                return ClientHelloSniffResult.Malformed($"record version {rest[1]}.{rest[2]}");
            }

            int length = (rest[3] << 8) | rest[4];
            if (length == 0)
            {
                return ClientHelloSniffResult.Malformed("zero-length handshake record");
            }

            if (length > MaxRecordLength)
            {
                return ClientHelloSniffResult.Malformed($"record of {length} bytes exceeds 2^14");
            }

            int available = Math.Min(length, rest.Length - RecordHeaderLength);
            int take = Math.Min(available, joined.Length - collected);
            rest.Slice(RecordHeaderLength, take).CopyTo(joined.AsSpan(collected));
            collected += take;

            if (HandshakeMessage.TryReadHeader(joined.AsSpan(0, collected), out HandshakeType type, out int bodyLength))
            {
                if (type != HandshakeType.ClientHello)
                {
                    return ClientHelloSniffResult.Malformed($"first handshake message is {type}, not ClientHello");
                }

                if (bodyLength > MaxClientHelloLength)
                {
                    return ClientHelloSniffResult.TooLarge($"ClientHello of {bodyLength} bytes exceeds {MaxClientHelloLength}");
                }

                if (collected >= HandshakeMessage.HeaderLength + bodyLength)
                {
                    return Summarize(joined.AsSpan(HandshakeMessage.HeaderLength, bodyLength));
                }
            }

            if (available < length)
            {
                return ClientHelloSniffResult.NeedMoreData;
            }

            position += RecordHeaderLength + length;
        }
    }

    private static ClientHelloSniffResult Summarize(ReadOnlySpan<byte> body)
    {
        try
        {
            return ClientHelloSniffResult.Complete(ReadSummary(body));
        }
        catch (TlsProtocolException e)
        {
            return ClientHelloSniffResult.Malformed("ClientHello: " + e.Message);
        }
    }

    private static ClientHelloSummary ReadSummary(ReadOnlySpan<byte> body)
    {
        var reader = new TlsReader(body);
        ushort legacyVersion = reader.ReadUInt16();
        reader.ReadBytes(ClientHello.RandomLength);
        reader.ReadOpaque8();
        ushort[] suites = reader.ReadUInt16List(2, 2, ushort.MaxValue, "cipher_suites");
        reader.ReadOpaque8(min: 1);

        IReadOnlyList<ushort> versions = [];
        IReadOnlyList<NamedGroup> groups = [];
        IReadOnlyList<NamedGroup> shareGroups = [];
        IReadOnlyList<SignatureScheme> schemes = [];
        IReadOnlyList<string> protocols = [];
        string? serverName = null;
        if (!reader.IsEmpty)
        {
            // The first of a duplicated extension wins; the engine refuses duplicates itself (§4.2).
            var seen = new HashSet<ushort>();
            TlsReader extensions = reader.ReadVector16();
            while (!extensions.IsEmpty)
            {
                ushort type = extensions.ReadUInt16();
                ReadOnlySpan<byte> data = extensions.ReadOpaque16();
                if (!seen.Add(type))
                {
                    continue;
                }

                switch ((ExtensionType)type)
                {
                    case ExtensionType.ServerName:
                        serverName = ExtensionCodec.DecodeServerName(data);
                        break;
                    case ExtensionType.SupportedVersions:
                        versions = ExtensionCodec.DecodeSupportedVersions(data);
                        break;
                    case ExtensionType.SupportedGroups:
                        groups = ExtensionCodec.DecodeSupportedGroups(data);
                        break;
                    case ExtensionType.SignatureAlgorithms:
                        schemes = ExtensionCodec.DecodeSignatureAlgorithms(data);
                        break;
                    case ExtensionType.KeyShare:
                        shareGroups = [.. ExtensionCodec.DecodeClientKeyShares(data).Select(s => s.Group)];
                        break;
                    case ExtensionType.ApplicationLayerProtocolNegotiation:
                        protocols = ExtensionCodec.DecodeAlpn(data);
                        break;
                }
            }
        }

        reader.EnsureEnd("ClientHello");
        return new ClientHelloSummary(legacyVersion, suites, versions, groups, shareGroups, schemes, serverName, protocols);
    }
}
