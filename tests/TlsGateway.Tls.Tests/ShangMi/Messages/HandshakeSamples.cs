using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>
/// Handshake messages the codec tests start from: the RFC 8448 §3 "Simple 1-RTT Handshake" trace
/// (framed messages, header included), and hellos built here for RFC 8998 clients.
/// </summary>
public static class HandshakeSamples
{
    /// <summary>RFC 8448 §3, {client} send handshake record: ClientHello.</summary>
    public static readonly byte[] Rfc8448ClientHello = Convert.FromHexString(
        "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201"
        + "0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400"
        + "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00"
        + "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c"
        + "00024001");

    /// <summary>RFC 8448 §3, {server} send handshake record: ServerHello.</summary>
    public static readonly byte[] Rfc8448ServerHello = Convert.FromHexString(
        "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024"
        + "001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304");

    /// <summary>RFC 8448 §3, the server's EncryptedExtensions.</summary>
    public static readonly byte[] Rfc8448EncryptedExtensions = Convert.FromHexString(
        "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000");

    /// <summary>The body of a framed handshake message.</summary>
    public static ReadOnlySpan<byte> Body(byte[] framed) => framed.AsSpan(HandshakeMessage.HeaderLength);

    /// <summary>A TLS 1.3 ClientHello as an RFC 8998 client sends it, optionally with a PSK offer last.</summary>
    public static ClientHello ShangMiClientHello(OfferedPsks? psks = null, string serverName = "localhost")
    {
        List<TlsExtension> extensions =
        [
            ExtensionCodec.EncodeServerName(serverName),
            ExtensionCodec.EncodeSupportedGroups([NamedGroup.CurveSm2, NamedGroup.X25519]),
            ExtensionCodec.EncodeSignatureAlgorithms([SignatureScheme.Sm2SigSm3, SignatureScheme.EcdsaSecp256r1Sha256]),
            ExtensionCodec.EncodeSignatureAlgorithms([SignatureScheme.Sm2SigSm3], forCertificates: true),
            ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(NamedGroup.CurveSm2, Filled(65, 0x04))]),
            ExtensionCodec.EncodeAlpn(["h2", "http/1.1"]),
            ExtensionCodec.EncodeSupportedVersions([ProtocolVersion.Tls13]),
            ExtensionCodec.EncodePskKeyExchangeModes([PskKeyExchangeMode.PskDheKe]),
            new TlsExtension((ExtensionType)0x1a1a, new byte[] { 0 }), // a GREASE value (RFC 8701), kept as it is
        ];
        if (psks is not null)
        {
            extensions.Add(ExtensionCodec.EncodeEmpty(ExtensionType.EarlyData));
            extensions.Add(ExtensionCodec.EncodeOfferedPsks(psks));
        }

        return new ClientHello(ProtocolVersion.Tls12, Filled(32, 0x11), Filled(32, 0x22),
            [CipherSuiteId.TlsSm4GcmSm3, CipherSuiteId.TlsSm4CcmSm3, CipherSuiteId.TlsAes128GcmSha256], extensions);
    }

    /// <summary>Two identities, binders of 32 bytes (SM3's length).</summary>
    public static OfferedPsks TwoPsks() => new(
        [new PskIdentity(Filled(40, 0xA1), 0x01020304), new PskIdentity(Filled(7, 0xA2), 0xFFFFFFFF)],
        [Filled(32, 0xB1), Filled(32, 0xB2)]);

    /// <summary>Wraps handshake bytes into handshake records of at most <paramref name="fragment"/> bytes each.</summary>
    public static byte[] InRecords(byte[] handshake, int fragment = 16384, ushort recordVersion = 0x0301)
    {
        var output = new List<byte>();
        for (int at = 0; at < handshake.Length; at += fragment)
        {
            int length = Math.Min(fragment, handshake.Length - at);
            output.AddRange([(byte)ContentType.Handshake, (byte)(recordVersion >> 8), (byte)recordVersion, (byte)(length >> 8), (byte)length]);
            output.AddRange(handshake.AsSpan(at, length).ToArray());
        }

        return [.. output];
    }

    public static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();
}
