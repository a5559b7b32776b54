using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Messages.HandshakeSamples;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>The RFC 8448 §3 "Simple 1-RTT Handshake" messages, parsed field by field and written back byte for byte.</summary>
public sealed class Rfc8448ClientHelloTests
{
    [Fact]
    public void The_rfc_8448_client_hello_parses_into_the_fields_the_trace_describes()
    {
        Assert.True(HandshakeMessage.TryReadHeader(Rfc8448ClientHello, out HandshakeType type, out int length));
        Assert.Equal(HandshakeType.ClientHello, type);
        Assert.Equal(Rfc8448ClientHello.Length - 4, length);

        ClientHello hello = ClientHello.Parse(Body(Rfc8448ClientHello));

        Assert.Equal(ProtocolVersion.Tls12, hello.LegacyVersion);
        Assert.Equal("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7", Convert.ToHexStringLower(hello.Random.Span));
        Assert.True(hello.LegacySessionId.IsEmpty);
        Assert.Equal([CipherSuiteId.TlsAes128GcmSha256, CipherSuiteId.TlsChaCha20Poly1305Sha256, CipherSuiteId.TlsAes256GcmSha384], hello.CipherSuites);
        Assert.Equal("server", hello.ServerName);
        Assert.Equal([ProtocolVersion.Tls13], hello.SupportedVersions);
        Assert.True(hello.OffersTls13);
        Assert.Equal(
            [NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.Secp384r1, NamedGroup.Secp521r1,
             NamedGroup.Ffdhe2048, NamedGroup.Ffdhe3072, NamedGroup.Ffdhe4096, NamedGroup.Ffdhe6144, NamedGroup.Ffdhe8192],
            hello.SupportedGroups);
        KeyShareEntry share = Assert.Single(hello.KeyShares!);
        Assert.Equal(NamedGroup.X25519, share.Group);
        Assert.Equal("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c", Convert.ToHexStringLower(share.KeyExchange.Span));
        Assert.Equal(15, hello.SignatureAlgorithms!.Count);
        Assert.Equal(SignatureScheme.EcdsaSecp256r1Sha256, hello.SignatureAlgorithms[0]);
        Assert.Contains(SignatureScheme.RsaPssRsaeSha256, hello.SignatureAlgorithms);
        Assert.Equal([PskKeyExchangeMode.PskDheKe], hello.PskKeyExchangeModes);
        Assert.Null(hello.PreSharedKey);
        Assert.Equal(-1, hello.BindersOffset);
        Assert.Null(hello.ApplicationProtocols);
        Assert.Null(hello.Cookie);
        Assert.Null(hello.SignatureAlgorithmsCert);
        Assert.False(hello.OffersEarlyData);
        Assert.Equal(
            [ExtensionType.ServerName, ExtensionType.RenegotiationInfo, ExtensionType.SupportedGroups, ExtensionType.SessionTicket,
             ExtensionType.KeyShare, ExtensionType.SupportedVersions, ExtensionType.SignatureAlgorithms, ExtensionType.PskKeyExchangeModes,
             ExtensionType.RecordSizeLimit],
            hello.Extensions.Select(e => e.Type));
    }

    [Fact]
    public void The_rfc_8448_client_hello_writes_back_to_the_same_bytes()
    {
        Assert.Equal(Rfc8448ClientHello, ClientHello.Parse(Body(Rfc8448ClientHello)).ToMessage());
    }

    [Fact]
    public void The_rfc_8448_server_hello_is_a_server_hello_with_an_x25519_share_and_tls_1_3()
    {
        ServerHello hello = ServerHello.Parse(Body(Rfc8448ServerHello));

        Assert.False(hello.IsHelloRetryRequest);
        Assert.Equal(CipherSuiteId.TlsAes128GcmSha256, hello.CipherSuite);
        Assert.Equal(ProtocolVersion.Tls13, hello.SelectedVersion);
        Assert.Equal(NamedGroup.X25519, hello.KeyShare!.Group);
        Assert.Equal("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f", Convert.ToHexStringLower(hello.KeyShare.KeyExchange.Span));
        Assert.Null(hello.SelectedGroup);
        Assert.Null(hello.SelectedIdentity);
        Assert.Equal(Rfc8448ServerHello, hello.ToMessage());
    }

    [Fact]
    public void The_rfc_8448_encrypted_extensions_acknowledge_the_server_name_and_write_back_identically()
    {
        EncryptedExtensions extensions = EncryptedExtensions.Parse(Body(Rfc8448EncryptedExtensions));

        Assert.True(extensions.ServerNameAcknowledged);
        Assert.Null(extensions.ApplicationProtocol);
        Assert.False(extensions.EarlyDataAccepted);
        Assert.Equal(NamedGroup.X25519, extensions.SupportedGroups![0]);
        Assert.Equal(Rfc8448EncryptedExtensions, extensions.ToMessage());
    }

    [Fact]
    public void The_sniffer_summarises_the_rfc_8448_client_hello_as_tls_1_3_without_shangmi()
    {
        ClientHelloSniffResult result = ClientHelloSniffer.Sniff(InRecords(Rfc8448ClientHello));

        Assert.Equal(ClientHelloSniffStatus.ClientHello, result.Status);
        Assert.Equal("server", result.Summary!.ServerName);
        Assert.True(result.Summary.OffersTls13);
        Assert.False(result.Summary.OffersShangMi);
        Assert.Equal([NamedGroup.X25519], result.Summary.KeyShareGroups);
    }
}
