using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>
/// Malformed handshake messages end in a TlsProtocolException carrying the alert RFC 8446 asks for:
/// decode_error for lengths (§6.2), illegal_parameter for well-formed but forbidden values.
/// </summary>
public sealed class MalformedHandshakeTests
{
    /// <summary>Where a ClientHello without extensions would end: version, random, empty session id, 3 suites, compression.</summary>
    private const int Rfc8448LegacyHelloLength = 2 + 32 + 1 + 2 + 6 + 2;

    [Fact]
    public void Every_truncation_of_a_client_hello_is_a_decode_error()
    {
        byte[] body = Body(ShangMiClientHello(TwoPsks()).ToMessage()).ToArray();
        int legacyEnd = 2 + 32 + 1 + 32 + 2 + 6 + 2;
        for (int length = 0; length < body.Length; length++)
        {
            if (length == legacyEnd)
            {
                // A hello that ends after the compression methods is a pre-TLS 1.2 one, without extensions.
                Assert.Empty(ClientHello.Parse(body.AsSpan(0, length)).Extensions);
                continue;
            }

            var e = Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(body.AsSpan(0, length)));
            Assert.True(e.Alert == AlertDescription.DecodeError, $"length {length}: {e.Alert} {e.Message}");
        }
    }

    [Fact]
    public void Every_truncation_of_the_rfc_8448_client_hello_is_refused_or_is_the_legacy_form()
    {
        byte[] body = Body(Rfc8448ClientHello).ToArray();
        for (int length = 0; length < body.Length; length++)
        {
            if (length == Rfc8448LegacyHelloLength)
            {
                continue;
            }

            Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(body.AsSpan(0, length))).Alert);
        }
    }

    [Fact]
    public void Every_truncation_of_each_server_message_is_a_decode_error()
    {
        byte[][] messages =
        [
            Rfc8448ServerHello,
            Rfc8448EncryptedExtensions,
            ServerHello.CreateHelloRetryRequest(Filled(32, 1), CipherSuiteId.TlsSm4GcmSm3, NamedGroup.CurveSm2, Filled(9, 2)).ToMessage(),
            new Certificate(Filled(3, 1), [new CertificateEntry(Filled(40, 2), [new TlsExtension(ExtensionType.StatusRequest, Filled(3, 1))])]).ToMessage(),
            CertificateRequest.Create(Filled(2, 1), [SignatureScheme.Sm2SigSm3]).ToMessage(),
            new CertificateVerify(SignatureScheme.Sm2SigSm3, Filled(70, 3)).ToMessage(),
            new NewSessionTicket(60, 1, Filled(4, 1), Filled(10, 2), [ExtensionCodec.EncodeMaxEarlyDataSize(1)]).ToMessage(),
            new KeyUpdate(KeyUpdateRequest.UpdateRequested).ToMessage(),
        ];
        Func<byte[], object>[] parsers =
        [
            b => ServerHello.Parse(b),
            b => EncryptedExtensions.Parse(b),
            b => ServerHello.Parse(b),
            b => Certificate.Parse(b),
            b => CertificateRequest.Parse(b),
            b => CertificateVerify.Parse(b),
            b => NewSessionTicket.Parse(b),
            b => KeyUpdate.Parse(b),
        ];

        for (int m = 0; m < messages.Length; m++)
        {
            byte[] body = Body(messages[m]).ToArray();
            parsers[m](body);
            for (int length = 0; length < body.Length; length++)
            {
                byte[] truncated = body[..length];
                var e = Assert.Throws<TlsProtocolException>(() => parsers[m](truncated));
                Assert.True(e.Alert == AlertDescription.DecodeError, $"message {m}, length {length}: {e.Alert} {e.Message}");
            }

            byte[] longer = [.. body, 0];
            Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => parsers[m](longer)).Alert);
        }
    }

    [Fact]
    public void A_trailing_byte_after_the_extensions_is_a_decode_error()
    {
        byte[] body = [.. Body(Rfc8448ClientHello), 0];

        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(body)).Alert);
    }

    [Fact]
    public void An_odd_cipher_suites_length_is_a_decode_error()
    {
        byte[] body = Body(Rfc8448ClientHello).ToArray();
        body[35] = 0x00;
        body[36] = 0x05; // cipher_suites<2..2^16-2> of 5 bytes: not a list of uint16

        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(body)).Alert);
    }

    [Fact]
    public void An_odd_supported_groups_length_is_a_decode_error()
    {
        Assert.Equal(AlertDescription.DecodeError,
            Assert.Throws<TlsProtocolException>(() => WithExtension(new TlsExtension(ExtensionType.SupportedGroups, new byte[] { 0, 3, 0, 41, 0 }))).Alert);
    }

    [Fact]
    public void An_inner_length_that_disagrees_with_the_extension_length_is_a_decode_error()
    {
        // supported_versions claims 4 bytes of versions but carries 2.
        Assert.Equal(AlertDescription.DecodeError,
            Assert.Throws<TlsProtocolException>(() => WithExtension(new TlsExtension(ExtensionType.SupportedVersions, new byte[] { 4, 3, 4 }))).Alert);
    }

    [Theory]
    [InlineData(new byte[] { 1, 1 })]
    [InlineData(new byte[] { 2, 1, 0 })]
    [InlineData(new byte[] { 2, 0, 1 })]
    public void Compression_methods_other_than_exactly_null_are_an_illegal_parameter(byte[] vector)
    {
        byte[] body = Body(Rfc8448ClientHello).ToArray();
        int at = 2 + 32 + 1 + 2 + 6;
        byte[] mutated = [.. body[..at], .. vector, .. body[(at + 2)..]];

        Assert.Equal(AlertDescription.IllegalParameter, Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(mutated)).Alert);
    }

    [Fact]
    public void A_duplicated_extension_is_an_illegal_parameter()
    {
        ClientHello hello = ShangMiClientHello();
        var writer = new TlsWriter();
        new ClientHello(hello.LegacyVersion, hello.Random, hello.LegacySessionId, hello.CipherSuites, []).Write(writer);
        byte[] prefix = writer.ToArray()[..^2];
        var extensions = new TlsWriter();
        ExtensionBlock.Write(extensions, [.. hello.Extensions, hello.Extensions[1]]);

        var e = Assert.Throws<TlsProtocolException>(() => ClientHello.Parse([.. prefix, .. extensions.WrittenSpan]));

        Assert.Equal(AlertDescription.IllegalParameter, e.Alert);
        Assert.Contains("duplicate", e.Message);
    }

    [Fact]
    public void A_pre_shared_key_that_is_not_the_last_extension_is_an_illegal_parameter()
    {
        ClientHello hello = ShangMiClientHello(TwoPsks());
        TlsExtension psk = hello.Extensions[^1];

        var e = Assert.Throws<TlsProtocolException>(() =>
            new ClientHello(hello.LegacyVersion, hello.Random, hello.LegacySessionId, hello.CipherSuites, [psk, .. hello.Extensions.SkipLast(1)]));

        Assert.Equal(AlertDescription.IllegalParameter, e.Alert);
    }

    [Fact]
    public void More_identities_than_binders_is_an_illegal_parameter()
    {
        var psks = new OfferedPsks(TwoPsks().Identities, [Filled(32, 1)]);

        Assert.Equal(AlertDescription.IllegalParameter, Assert.Throws<TlsProtocolException>(() => ShangMiClientHello(psks)).Alert);
    }

    [Fact]
    public void A_binder_shorter_than_32_bytes_is_a_decode_error()
    {
        var psks = new OfferedPsks([TwoPsks().Identities[0]], [Filled(31, 1)]);

        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => ShangMiClientHello(psks)).Alert);
    }

    [Fact]
    public void Two_key_shares_for_the_same_group_are_an_illegal_parameter()
    {
        TlsExtension shares = ExtensionCodec.EncodeClientKeyShares(
            [new KeyShareEntry(NamedGroup.CurveSm2, Filled(65, 4)), new KeyShareEntry(NamedGroup.CurveSm2, Filled(65, 4))]);

        Assert.Equal(AlertDescription.IllegalParameter, Assert.Throws<TlsProtocolException>(() => WithExtension(shares)).Alert);
    }

    [Fact]
    public void An_empty_key_exchange_is_a_decode_error()
    {
        TlsExtension shares = new(ExtensionType.KeyShare, new byte[] { 0, 4, 0, 41, 0, 0 });

        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => WithExtension(shares)).Alert);
    }

    [Fact]
    public void Early_data_with_a_body_in_a_client_hello_is_a_decode_error()
    {
        Assert.Equal(AlertDescription.DecodeError,
            Assert.Throws<TlsProtocolException>(() => WithExtension(new TlsExtension(ExtensionType.EarlyData, new byte[] { 0 }))).Alert);
    }

    [Fact]
    public void An_extension_the_rfc_places_in_other_messages_is_an_illegal_parameter()
    {
        Assert.Equal(AlertDescription.IllegalParameter,
            Assert.Throws<TlsProtocolException>(() => WithExtension(new TlsExtension(ExtensionType.OidFilters, new byte[] { 0, 0 }))).Alert);
        Assert.Equal(AlertDescription.IllegalParameter,
            Assert.Throws<TlsProtocolException>(() => new EncryptedExtensions([ExtensionCodec.EncodeServerKeyShare(new KeyShareEntry(NamedGroup.X25519, Filled(32, 1)))])).Alert);
        ServerHello retry = ServerHello.CreateHelloRetryRequest(ReadOnlyMemory<byte>.Empty, CipherSuiteId.TlsSm4GcmSm3, NamedGroup.CurveSm2);
        Assert.Equal(AlertDescription.IllegalParameter,
            Assert.Throws<TlsProtocolException>(() => new ServerHello(retry.LegacyVersion, retry.Random, retry.LegacySessionIdEcho, retry.CipherSuite,
                [.. retry.Extensions, ExtensionCodec.EncodeSelectedIdentity(0)])).Alert);
    }

    [Fact]
    public void An_alpn_answer_naming_two_protocols_is_a_decode_error()
    {
        Assert.Equal(AlertDescription.DecodeError,
            Assert.Throws<TlsProtocolException>(() => new EncryptedExtensions([ExtensionCodec.EncodeAlpn(["h2", "http/1.1"])])).Alert);
    }

    [Fact]
    public void A_key_update_request_other_than_zero_or_one_is_an_illegal_parameter()
    {
        Assert.Equal(AlertDescription.IllegalParameter, Assert.Throws<TlsProtocolException>(() => KeyUpdate.Parse([2])).Alert);
    }

    [Fact]
    public void A_server_hello_with_a_compression_method_is_an_illegal_parameter()
    {
        byte[] body = Body(Rfc8448ServerHello).ToArray();
        body[2 + 32 + 1 + 2] = 1;

        Assert.Equal(AlertDescription.IllegalParameter, Assert.Throws<TlsProtocolException>(() => ServerHello.Parse(body)).Alert);
    }

    [Fact]
    public void A_session_id_longer_than_32_bytes_is_a_decode_error()
    {
        byte[] body = Body(Rfc8448ClientHello).ToArray();
        byte[] mutated = [.. body[..34], 33, .. Filled(33, 7), .. body[35..]];

        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => ClientHello.Parse(mutated)).Alert);
    }

    private static ClientHello WithExtension(TlsExtension extension)
    {
        ClientHello hello = ShangMiClientHello();
        var changed = hello.Extensions.Where(e => e.Type != extension.Type).Append(extension).ToList();
        byte[] framed = HandshakeMessage.Frame(HandshakeType.ClientHello, w =>
        {
            w.WriteUInt16(hello.LegacyVersion);
            w.WriteBytes(hello.Random.Span);
            w.WriteOpaque8(hello.LegacySessionId.Span);
            using (w.BeginVector16())
            {
                foreach (ushort suite in hello.CipherSuites)
                {
                    w.WriteUInt16(suite);
                }
            }

            w.WriteOpaque8([0]);
            ExtensionBlock.Write(w, changed);
        });
        return ClientHello.Parse(Body(framed));
    }
}
