using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>Every handshake message: built, framed, parsed back, and written again to the same bytes.</summary>
public sealed class HandshakeMessageRoundTripTests
{
    [Fact]
    public void A_shangmi_client_hello_round_trips_with_every_typed_extension_intact()
    {
        byte[] framed = ShangMiClientHello(TwoPsks()).ToMessage();

        ClientHello parsed = ClientHello.Parse(Body(framed));

        Assert.Equal(framed, parsed.ToMessage());
        Assert.Equal("localhost", parsed.ServerName);
        Assert.Equal([NamedGroup.CurveSm2, NamedGroup.X25519], parsed.SupportedGroups);
        Assert.Equal([SignatureScheme.Sm2SigSm3, SignatureScheme.EcdsaSecp256r1Sha256], parsed.SignatureAlgorithms);
        Assert.Equal([SignatureScheme.Sm2SigSm3], parsed.SignatureAlgorithmsCert);
        Assert.Equal(NamedGroup.CurveSm2, Assert.Single(parsed.KeyShares!).Group);
        Assert.Equal(65, parsed.KeyShares![0].KeyExchange.Length);
        Assert.Equal(["h2", "http/1.1"], parsed.ApplicationProtocols);
        Assert.Equal([ProtocolVersion.Tls13], parsed.SupportedVersions);
        Assert.Equal([PskKeyExchangeMode.PskDheKe], parsed.PskKeyExchangeModes);
        Assert.True(parsed.OffersEarlyData);
        Assert.Equal(2, parsed.PreSharedKey!.Identities.Count);
        Assert.Equal(0x01020304u, parsed.PreSharedKey.Identities[0].ObfuscatedTicketAge);
        Assert.Equal(40, parsed.PreSharedKey.Identities[0].Identity.Length);
        Assert.Equal(Filled(32, 0xB2), parsed.PreSharedKey.Binders[1].ToArray());
        Assert.Equal((ExtensionType)0x1a1a, parsed.Extensions[8].Type);
        Assert.Equal([CipherSuiteId.TlsSm4GcmSm3, CipherSuiteId.TlsSm4CcmSm3, CipherSuiteId.TlsAes128GcmSha256], parsed.CipherSuites);
    }

    [Fact]
    public void The_binders_offset_points_at_the_binders_vector_which_ends_the_message()
    {
        ClientHello hello = ShangMiClientHello(TwoPsks());
        byte[] framed = hello.ToMessage();

        // §4.2.11.2: the binder transcript is the framed hello up to and including the identities.
        int cut = HandshakeMessage.HeaderLength + hello.BindersOffset;
        Assert.Equal(framed.Length - hello.PreSharedKey!.BindersLength, cut);
        Assert.Equal([0x00, 0x42, 0x20], framed[cut..(cut + 3)]); // two binders of 1 + 32 bytes, the first 32 long
        Assert.Equal(hello.BindersOffset, ClientHello.Parse(Body(framed)).BindersOffset);
    }

    [Fact]
    public void Patching_the_binders_changes_only_the_bytes_after_the_binders_offset()
    {
        ClientHello hello = ShangMiClientHello(TwoPsks());
        byte[] framed = hello.ToMessage();
        byte[] before = (byte[])framed.Clone();

        ClientHello.PatchBinders(framed, hello.BindersOffset, [Filled(32, 0xC1), Filled(32, 0xC2)]);

        int cut = HandshakeMessage.HeaderLength + hello.BindersOffset;
        Assert.Equal(before[..cut], framed[..cut]);
        Assert.Equal(Filled(32, 0xC2), ClientHello.Parse(Body(framed)).PreSharedKey!.Binders[1].ToArray());
        Assert.Throws<ArgumentException>(() => ClientHello.PatchBinders(framed, hello.BindersOffset, [Filled(48, 1), Filled(32, 2)]));
    }

    [Fact]
    public void A_server_hello_with_a_curve_sm2_share_and_a_selected_psk_round_trips()
    {
        ServerHello hello = ServerHello.Create(Filled(32, 0x33), Filled(32, 0x22), CipherSuiteId.TlsSm4GcmSm3,
            new KeyShareEntry(NamedGroup.CurveSm2, Filled(65, 0x04)), selectedIdentity: 1);

        ServerHello parsed = ServerHello.Parse(Body(hello.ToMessage()));

        Assert.Equal(hello.ToMessage(), parsed.ToMessage());
        Assert.False(parsed.IsHelloRetryRequest);
        Assert.Equal(ProtocolVersion.Tls12, parsed.LegacyVersion);
        Assert.Equal(ProtocolVersion.Tls13, parsed.SelectedVersion);
        Assert.Equal(NamedGroup.CurveSm2, parsed.KeyShare!.Group);
        Assert.Equal((ushort)1, parsed.SelectedIdentity);
        Assert.Equal(CipherSuiteId.TlsSm4GcmSm3, parsed.CipherSuite);
    }

    [Fact]
    public void A_hello_retry_request_carries_the_special_random_the_selected_group_and_the_cookie()
    {
        ServerHello retry = ServerHello.CreateHelloRetryRequest(Filled(32, 0x22), CipherSuiteId.TlsSm4CcmSm3, NamedGroup.CurveSm2, Filled(20, 0x7c));
        byte[] framed = retry.ToMessage();

        ServerHello parsed = ServerHello.Parse(Body(framed));

        Assert.Equal(HandshakeType.ServerHello, (HandshakeType)framed[0]);
        Assert.True(parsed.IsHelloRetryRequest);
        Assert.Equal("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", Convert.ToHexStringLower(parsed.Random.Span));
        Assert.Equal(NamedGroup.CurveSm2, parsed.SelectedGroup);
        Assert.Null(parsed.KeyShare);
        Assert.Equal(Filled(20, 0x7c), parsed.Cookie!.Value.ToArray());
        Assert.Equal(framed, parsed.ToMessage());
    }

    [Fact]
    public void Encrypted_extensions_with_alpn_and_early_data_round_trip()
    {
        var extensions = new EncryptedExtensions(
        [
            ExtensionCodec.EncodeEmpty(ExtensionType.ServerName),
            ExtensionCodec.EncodeAlpn(["h2"]),
            ExtensionCodec.EncodeEmpty(ExtensionType.EarlyData),
        ]);

        EncryptedExtensions parsed = EncryptedExtensions.Parse(Body(extensions.ToMessage()));

        Assert.Equal("h2", parsed.ApplicationProtocol);
        Assert.True(parsed.ServerNameAcknowledged);
        Assert.True(parsed.EarlyDataAccepted);
        Assert.Equal(extensions.ToMessage(), parsed.ToMessage());
    }

    [Fact]
    public void A_certificate_chain_with_per_entry_extensions_round_trips()
    {
        var certificate = new Certificate(ReadOnlyMemory<byte>.Empty,
        [
            new CertificateEntry(Filled(300, 0x30), [new TlsExtension(ExtensionType.StatusRequest, Filled(5, 1))]),
            new CertificateEntry(Filled(70_000, 0x31)), // longer than a uint16 can say: the uint24 lengths matter
        ]);

        Certificate parsed = Certificate.Parse(Body(certificate.ToMessage()));

        Assert.Equal(2, parsed.Entries.Count);
        Assert.Equal(70_000, parsed.Entries[1].CertData.Length);
        Assert.Equal(ExtensionType.StatusRequest, Assert.Single(parsed.Entries[0].Extensions).Type);
        Assert.Equal(certificate.ToMessage(), parsed.ToMessage());
    }

    [Fact]
    public void An_empty_certificate_with_a_request_context_round_trips()
    {
        var certificate = new Certificate(Filled(8, 9), []);

        Certificate parsed = Certificate.Parse(Body(certificate.ToMessage()));

        Assert.Empty(parsed.Entries);
        Assert.Equal(Filled(8, 9), parsed.RequestContext.ToArray());
    }

    [Fact]
    public void A_certificate_request_for_sm2sig_sm3_round_trips()
    {
        CertificateRequest request = CertificateRequest.Create(ReadOnlyMemory<byte>.Empty, [SignatureScheme.Sm2SigSm3]);

        CertificateRequest parsed = CertificateRequest.Parse(Body(request.ToMessage()));

        Assert.Equal([SignatureScheme.Sm2SigSm3], parsed.SignatureAlgorithms);
        Assert.Null(parsed.SignatureAlgorithmsCert);
        Assert.Equal(request.ToMessage(), parsed.ToMessage());
    }

    [Fact]
    public void A_certificate_verify_round_trips()
    {
        var verify = new CertificateVerify(SignatureScheme.Sm2SigSm3, Filled(71, 0x30));

        CertificateVerify parsed = CertificateVerify.Parse(Body(verify.ToMessage()));

        Assert.Equal(SignatureScheme.Sm2SigSm3, parsed.Algorithm);
        Assert.Equal(verify.ToMessage(), parsed.ToMessage());
    }

    [Fact]
    public void A_finished_round_trips_and_refuses_a_verify_data_of_the_wrong_length()
    {
        var finished = new Finished(Filled(32, 0xF1));
        byte[] framed = finished.ToMessage();

        Assert.Equal([20, 0, 0, 32], framed[..4]);
        Assert.Equal(framed, Finished.Parse(Body(framed), 32).ToMessage());
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => Finished.Parse(Body(framed), 48)).Alert);
    }

    [Fact]
    public void A_new_session_ticket_with_max_early_data_round_trips()
    {
        var ticket = new NewSessionTicket(7200, 0xDEADBEEF, Filled(8, 0), Filled(100, 0x5a), [ExtensionCodec.EncodeMaxEarlyDataSize(16384)]);

        NewSessionTicket parsed = NewSessionTicket.Parse(Body(ticket.ToMessage()));

        Assert.Equal(7200u, parsed.Lifetime);
        Assert.Equal(0xDEADBEEFu, parsed.AgeAdd);
        Assert.Equal(16384u, parsed.MaxEarlyDataSize);
        Assert.Equal(100, parsed.Ticket.Length);
        Assert.Equal(ticket.ToMessage(), parsed.ToMessage());
    }

    [Theory]
    [InlineData(KeyUpdateRequest.UpdateNotRequested)]
    [InlineData(KeyUpdateRequest.UpdateRequested)]
    public void A_key_update_round_trips(KeyUpdateRequest request)
    {
        byte[] framed = new KeyUpdate(request).ToMessage();

        Assert.Equal([24, 0, 0, 1, (byte)request], framed);
        Assert.Equal(request, KeyUpdate.Parse(Body(framed)).RequestUpdate);
    }

    [Fact]
    public void The_message_hash_is_type_254_with_the_hash_length_and_the_hash()
    {
        byte[] message = MessageHash.Create(Filled(32, 0xAB));

        Assert.Equal([254, 0, 0, 32], message[..4]);
        Assert.Equal(Filled(32, 0xAB), message[4..]);
    }
}
