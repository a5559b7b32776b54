using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed client fed a bad server flight (no sockets): the real managed server's flight with one
/// thing changed, or a scripted one. Each case ends the connection with the alert RFC 8446 names and
/// no exception escapes <see cref="ManagedTlsConnection.Feed"/>.
/// </summary>
public sealed class ClientBadInputTests(ClientTestPki pki) : IClassFixture<ClientTestPki>
{
    private ManagedClientOptions AesOptions => pki.ClientOptions with
    {
        CipherSuites = [Tls13CipherSuite.Aes128GcmSha256],
        Groups = [NamedGroup.Secp256r1],
    };

    private ManagedClientOptions ShangMiOptions => pki.ClientOptions with
    {
        CipherSuites = [Tls13CipherSuite.Sm4GcmSm3],
        Groups = [NamedGroup.CurveSm2],
    };

    [Fact]
    public void A_scripted_server_flight_with_a_right_finished_is_accepted()
    {
        using var client = ManagedTlsConnection.CreateClient(AesOptions);
        client.Feed(ScriptedServerFlight.Answer(client.TakePendingOutput(), pki, corruptFinished: false));

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message);
    }

    [Fact]
    public void A_server_finished_that_does_not_verify_is_a_decrypt_error()
    {
        using var client = ManagedTlsConnection.CreateClient(AesOptions);
        client.Feed(ScriptedServerFlight.Answer(client.TakePendingOutput(), pki, corruptFinished: true));

        Assert.Equal(AlertDescription.DecryptError, client.Failure?.Alert);
        Assert.False(client.IsHandshakeComplete);
        Assert.True(client.IsWriteClosed);
    }

    [Fact]
    public void An_sm2_certificate_verify_signed_under_the_tls_1_3_id_is_accepted()
    {
        using var client = ManagedTlsConnection.CreateClient(ShangMiOptions);
        client.Feed(ScriptedServerFlight.AnswerShangMi(client.TakePendingOutput(), pki, Crypto.ShangMi.Sm2DistinguishingId.Tls13.ToArray()));

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message);
    }

    [Fact]
    public void An_sm2_certificate_verify_signed_under_the_certificate_id_instead_of_the_tls_1_3_one_is_a_decrypt_error()
    {
        using var client = ManagedTlsConnection.CreateClient(ShangMiOptions);
        client.Feed(ScriptedServerFlight.AnswerShangMi(client.TakePendingOutput(), pki, Crypto.ShangMi.Sm2DistinguishingId.Default.ToArray()));

        Assert.Equal(AlertDescription.DecryptError, client.Failure?.Alert);
        Assert.False(client.IsHandshakeComplete);
    }

    [Fact]
    public void A_server_key_share_that_is_not_on_the_curve_is_an_illegal_parameter_alert()
    {
        AssertAlert(AlertDescription.IllegalParameter, records =>
        {
            ServerHello hello = ParseServerHello(records[0]);
            byte[] offCurve = [0x04, .. HandshakeSamples.Filled(64, 0x01)];
            records[0] = Record(ServerHello.Create(hello.Random, hello.LegacySessionIdEcho, hello.CipherSuite,
                new KeyShareEntry(NamedGroup.Secp256r1, offCurve)).ToMessage());
        });
    }

    [Fact]
    public void A_protected_record_with_a_wrong_tag_is_a_bad_record_mac_alert()
    {
        AssertAlert(AlertDescription.BadRecordMac, records => records[2][^1] ^= 0x80);
    }

    [Fact]
    public void A_protected_record_truncated_below_the_tag_is_a_bad_record_mac_alert()
    {
        AssertAlert(AlertDescription.BadRecordMac, records => records[2] = [23, 3, 3, 0, 10, .. records[2][5..15]]);
    }

    [Fact]
    public void A_truncated_server_hello_is_a_decode_error()
    {
        AssertAlert(AlertDescription.DecodeError, records =>
        {
            byte[] body = records[0][(5 + HandshakeMessage.HeaderLength)..^7];
            records[0] = Record(HandshakeMessage.Frame(HandshakeType.ServerHello, w => w.WriteBytes(body)));
        });
    }

    [Fact]
    public void A_server_hello_echoing_another_session_id_is_an_illegal_parameter_alert()
    {
        AssertAlert(AlertDescription.IllegalParameter, records =>
        {
            ServerHello hello = ParseServerHello(records[0]);
            records[0] = Record(new ServerHello(hello.LegacyVersion, hello.Random, HandshakeSamples.Filled(32, 0x5A), hello.CipherSuite, hello.Extensions).ToMessage());
        });
    }

    [Fact]
    public void A_server_hello_choosing_a_suite_that_was_not_offered_is_an_illegal_parameter_alert()
    {
        AssertAlert(AlertDescription.IllegalParameter, records =>
        {
            ServerHello hello = ParseServerHello(records[0]);
            records[0] = Record(new ServerHello(hello.LegacyVersion, hello.Random, hello.LegacySessionIdEcho, CipherSuiteId.TlsAes256GcmSha384, hello.Extensions).ToMessage());
        });
    }

    [Fact]
    public void A_server_hello_selecting_a_psk_the_client_never_offered_is_an_unsupported_extension_alert()
    {
        AssertAlert(AlertDescription.UnsupportedExtension, records =>
        {
            ServerHello hello = ParseServerHello(records[0]);
            records[0] = Record(new ServerHello(hello.LegacyVersion, hello.Random, hello.LegacySessionIdEcho, hello.CipherSuite,
                [.. hello.Extensions, ExtensionCodec.EncodeSelectedIdentity(0)]).ToMessage());
        });
    }

    [Theory]
    [InlineData(true, AlertDescription.IllegalParameter)]
    [InlineData(false, AlertDescription.ProtocolVersion)]
    public void A_tls_1_2_server_hello_is_refused_and_its_downgrade_sentinel_is_illegal_parameter(bool sentinel, AlertDescription alert)
    {
        AssertAlert(alert, records =>
        {
            ServerHello hello = ParseServerHello(records[0]);
            byte[] random = hello.Random.ToArray();
            if (sentinel)
            {
                "DOWNGRD\u0001"u8.CopyTo(random.AsSpan(24));
            }

            records[0] = Record(new ServerHello(hello.LegacyVersion, random, hello.LegacySessionIdEcho, hello.CipherSuite,
                [.. hello.Extensions.Where(e => e.Type != ExtensionType.SupportedVersions)]).ToMessage());
        });
    }

    [Fact]
    public void A_hello_retry_request_for_the_group_already_shared_is_an_illegal_parameter_alert()
    {
        using var client = ManagedTlsConnection.CreateClient(AesOptions);
        ClientHello hello = ClientHello.Parse(client.TakePendingOutput()[(5 + HandshakeMessage.HeaderLength)..]);

        client.Feed(Record(ServerHello.CreateHelloRetryRequest(hello.LegacySessionId, CipherSuiteId.TlsAes128GcmSha256, NamedGroup.Secp256r1).ToMessage()));

        Assert.Equal(AlertDescription.IllegalParameter, client.Failure?.Alert);
    }

    [Fact]
    public void The_cookie_of_a_hello_retry_request_is_echoed_with_a_share_of_the_group_asked_for()
    {
        using var client = ManagedTlsConnection.CreateClient(AesOptions with { Groups = [NamedGroup.CurveSm2, NamedGroup.Secp256r1] });
        byte[] first = client.TakePendingOutput();
        ClientHello hello = ClientHello.Parse(first[(5 + HandshakeMessage.HeaderLength)..]);

        client.Feed(Record(ServerHello.CreateHelloRetryRequest(hello.LegacySessionId, CipherSuiteId.TlsAes128GcmSha256,
            NamedGroup.Secp256r1, new byte[] { 1, 2, 3, 4 }).ToMessage()));
        byte[] output = client.TakePendingOutput();

        Assert.Null(client.Failure);
        Assert.Equal(ContentType.ChangeCipherSpec, (ContentType)output[0]); // §D.4, before the second ClientHello
        ClientHello second = ClientHello.Parse(output[(6 + 5 + HandshakeMessage.HeaderLength)..]);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, second.Cookie?.ToArray());
        Assert.Equal(NamedGroup.Secp256r1, Assert.Single(second.KeyShares!).Group);
        Assert.Equal(hello.Random.ToArray(), second.Random.ToArray());
        Assert.Equal(hello.LegacySessionId.ToArray(), second.LegacySessionId.ToArray());
    }

    [Fact]
    public void A_second_hello_retry_request_is_an_unexpected_message_alert()
    {
        using var client = ManagedTlsConnection.CreateClient(AesOptions with { Groups = [NamedGroup.CurveSm2, NamedGroup.Secp256r1] });
        ClientHello hello = ClientHello.Parse(client.TakePendingOutput()[(5 + HandshakeMessage.HeaderLength)..]);
        byte[] retry = Record(ServerHello.CreateHelloRetryRequest(hello.LegacySessionId, CipherSuiteId.TlsAes128GcmSha256, NamedGroup.Secp256r1).ToMessage());

        client.Feed(retry);
        Assert.Null(client.Failure);
        Assert.True(client.HelloRetried);
        client.Feed(retry);

        Assert.Equal(AlertDescription.UnexpectedMessage, client.Failure?.Alert);
    }

    [Theory]
    [InlineData(CipherSuiteId.TlsAes128GcmSha256)]
    [InlineData(CipherSuiteId.TlsSm4GcmSm3)]
    public void Mutated_server_flights_end_in_an_alert_or_a_handshake_and_never_in_an_exception(ushort suiteId)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Find(suiteId)!;
        ManagedClientOptions options = pki.ClientOptions with { CipherSuites = [suite], Groups = [suite.IsShangMi ? NamedGroup.CurveSm2 : NamedGroup.Secp256r1] };
        var random = new Random(8446);
        for (int i = 0; i < 200; i++)
        {
            (ManagedTlsConnection client, List<byte[]> records) = RealServerFlight(options);
            using (client)
            {
                byte[] flight = [.. records.SelectMany(r => r)];
                int flips = 1 + random.Next(3);
                for (int f = 0; f < flips; f++)
                {
                    flight[random.Next(flight.Length)] ^= (byte)(1 << random.Next(8));
                }

                client.Feed(flight); // an exception here fails the test

                // Either the flips hit bytes nobody checks (legacy_record_version) and the handshake
                // completed, or the connection ended with an alert sent, or it waits for more bytes.
                Assert.True(client.IsHandshakeComplete || client.Failure is not null || !client.IsEnded,
                    $"mutation {i} ended the connection without a reason");
            }
        }
    }

    private void AssertAlert(AlertDescription expected, Action<List<byte[]>> mutate)
    {
        (ManagedTlsConnection client, List<byte[]> records) = RealServerFlight(AesOptions);
        using (client)
        {
            mutate(records);
            client.Feed([.. records.SelectMany(r => r)]);

            Assert.True(expected == client.Failure?.Alert, $"expected {expected}, got {client.Failure?.Alert}: {client.Failure?.Message}");
            Assert.False(client.IsHandshakeComplete);
            Assert.True(client.IsWriteClosed);
            Assert.NotEmpty(client.TakePendingOutput()); // the alert
        }
    }

    /// <summary>A client whose ClientHello the real managed server answered; the server's flight split into records (ServerHello, change_cipher_spec, EncryptedExtensions, ...).</summary>
    private (ManagedTlsConnection Client, List<byte[]> Records) RealServerFlight(ManagedClientOptions options)
    {
        var client = ManagedTlsConnection.CreateClient(options);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);
        server.Feed(client.TakePendingOutput());
        byte[] flight = server.TakePendingOutput();
        var records = new List<byte[]>();
        for (int at = 0; at < flight.Length;)
        {
            int length = 5 + ((flight[at + 3] << 8) | flight[at + 4]);
            records.Add(flight[at..(at + length)]);
            at += length;
        }

        Assert.Equal(ContentType.ChangeCipherSpec, (ContentType)records[1][0]);
        return (client, records);
    }

    private static ServerHello ParseServerHello(byte[] record) => ServerHello.Parse(record[(5 + HandshakeMessage.HeaderLength)..]);

    private static byte[] Record(byte[] handshake) => HandshakeSamples.InRecords(handshake, recordVersion: 0x0303);
}
