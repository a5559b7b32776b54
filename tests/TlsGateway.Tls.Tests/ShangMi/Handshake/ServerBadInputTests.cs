using TlsGateway.Crypto.ShangMi;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed server fed bad input directly (no sockets): each case ends the connection with the
/// alert RFC 8446 names, written as the last record of the pending output, and no exception escapes.
/// </summary>
public sealed class ServerBadInputTests : IDisposable
{
    private readonly Sm2Key _key = Sm2Key.Generate();
    private readonly Sm2KeyExchange _clientExchange = new();

    private ManagedServerOptions Options => new()
    {
        // The server never parses its own certificate, so any DER-shaped bytes serve here.
        ShangMiCredential = new Sm2ServerCredential([[0x30, 0x00]], _key),
    };

    [Fact]
    public void A_truncated_client_hello_is_a_decode_error()
    {
        byte[] body = ValidHello().ToMessage()[HandshakeMessage.HeaderLength..];
        byte[] truncated = Frame(HandshakeType.ClientHello, body[..^7]);

        Assert.Equal(AlertDescription.DecodeError, FeedAndGetAlert(HandshakeSamples.InRecords(truncated)));
    }

    [Fact]
    public void A_client_hello_without_tls_1_3_in_supported_versions_is_a_protocol_version_alert()
    {
        ClientHello hello = Replace(ValidHello(), ExtensionCodec.EncodeSupportedVersions([ProtocolVersion.Tls12]));

        Assert.Equal(AlertDescription.ProtocolVersion, FeedAndGetAlert(HandshakeSamples.InRecords(hello.ToMessage())));
    }

    [Fact]
    public void A_client_hello_without_a_key_share_extension_is_a_missing_extension_alert()
    {
        ClientHello valid = ValidHello();
        var hello = new ClientHello(valid.LegacyVersion, valid.Random, valid.LegacySessionId, valid.CipherSuites,
            [.. valid.Extensions.Where(e => e.Type != ExtensionType.KeyShare)]);

        Assert.Equal(AlertDescription.MissingExtension, FeedAndGetAlert(HandshakeSamples.InRecords(hello.ToMessage())));
    }

    [Fact]
    public void A_client_hello_offering_only_aes_to_a_shangmi_only_server_is_a_handshake_failure()
    {
        ClientHello valid = ValidHello();
        var hello = new ClientHello(valid.LegacyVersion, valid.Random, valid.LegacySessionId, [CipherSuiteId.TlsAes128GcmSha256], valid.Extensions);

        Assert.Equal(AlertDescription.HandshakeFailure, FeedAndGetAlert(HandshakeSamples.InRecords(hello.ToMessage())));
    }

    [Fact]
    public void A_curve_sm2_share_that_is_not_on_the_curve_is_an_illegal_parameter_alert()
    {
        ClientHello hello = Replace(ValidHello(),
            ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(NamedGroup.CurveSm2, HandshakeSamples.Filled(65, 0x04))]));

        Assert.Equal(AlertDescription.IllegalParameter, FeedAndGetAlert(HandshakeSamples.InRecords(hello.ToMessage())));
    }

    [Fact]
    public void Plaintext_application_data_before_the_handshake_is_an_unexpected_message_alert()
    {
        Assert.Equal(AlertDescription.UnexpectedMessage, FeedAndGetAlert([23, 3, 3, 0, 2, 1, 2]));
    }

    [Fact]
    public void A_corrupted_protected_record_after_the_server_flight_is_a_bad_record_mac_alert()
    {
        using var connection = ManagedTlsConnection.CreateServer(Options);
        connection.Feed(HandshakeSamples.InRecords(ValidHello().ToMessage()));
        Assert.Null(connection.Failure);
        connection.TakePendingOutput();

        connection.Feed([23, 3, 3, 0, 40, .. HandshakeSamples.Filled(40, 0x5a)]);

        Assert.Equal(AlertDescription.BadRecordMac, connection.Failure?.Alert);
    }

    [Fact]
    public void A_wrong_client_finished_is_a_decrypt_error_alert()
    {
        using var connection = ManagedTlsConnection.CreateServer(Options);
        ClientHello hello = ValidHello();
        byte[] helloMessage = hello.ToMessage();
        connection.Feed(HandshakeSamples.InRecords(helloMessage));
        byte[] flight = connection.TakePendingOutput();

        // The client's side of the key schedule: ServerHello is the first record of the flight.
        int serverHelloLength = (flight[3] << 8) | flight[4];
        byte[] serverHelloMessage = flight[5..(5 + serverHelloLength)];
        ServerHello serverHello = ServerHello.Parse(serverHelloMessage[HandshakeMessage.HeaderLength..]);
        Tls13CipherSuite suite = Tls13CipherSuite.Find(serverHello.CipherSuite)!;
        using Tls13Hash transcript = suite.CreateTranscriptHash();
        transcript.AppendData(helloMessage);
        transcript.AppendData(serverHelloMessage);
        byte[] shared = _clientExchange.DeriveSharedSecret(serverHello.KeyShare!.KeyExchange.Span);
        using KeyScheduleEarly early = KeyScheduleEarly.WithoutPsk(suite);
        using KeyScheduleHandshake handshake = early.IntoHandshake(shared);
        using Tls13Secret clientHandshake = handshake.DeriveClientHandshakeTrafficSecret(transcript.GetCurrentHash());
        using RecordProtection protection = clientHandshake.CreateRecordProtection();
        byte[] finished = new Finished(new byte[suite.HashLength]).ToMessage();

        connection.Feed(TestRecords.Seal(protection, ContentType.Handshake, finished));

        Assert.Equal(AlertDescription.DecryptError, connection.Failure?.Alert);
        Assert.False(connection.IsHandshakeComplete);
    }

    [Fact]
    public void Mutated_client_hello_flights_end_only_in_alerts_and_never_throw()
    {
        byte[][] seeds = [HandshakeSamples.InRecords(ValidHello().ToMessage()), HandshakeSamples.InRecords(ValidHello().ToMessage(), fragment: 100)];
        int runs = Fuzzer.Run(seeds, input =>
        {
            using var connection = ManagedTlsConnection.CreateServer(Options);
            connection.Feed(input);
            if (connection.Failure is not null)
            {
                // The alert is the last record: in the clear before the server flight, protected after it.
                byte[] output = connection.TakePendingOutput();
                bool plaintextAlert = output.Length >= 7 && output[^7] == 21 && output[^1] == (byte)connection.Failure.Alert;
                bool protectedAlert = output.Length >= 24 && output[^24] == 23 && output[^21] == 0 && output[^20] == 19; // 2 + type + 16-byte tag
                Assert.True(plaintextAlert || protectedAlert, $"no alert record at the end for {connection.Failure.Alert}");
            }
        }, _ => false);

        Assert.True(runs > seeds.Length);
    }

    public void Dispose()
    {
        _key.Dispose();
        _clientExchange.Dispose();
    }

    private ClientHello ValidHello() => Replace(HandshakeSamples.ShangMiClientHello(),
        ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(NamedGroup.CurveSm2, _clientExchange.KeyShare.ToArray())]));

    private static ClientHello Replace(ClientHello hello, TlsExtension replacement) =>
        new(hello.LegacyVersion, hello.Random, hello.LegacySessionId, hello.CipherSuites,
            [.. hello.Extensions.Select(e => e.Type == replacement.Type ? replacement : e)]);

    private static byte[] Frame(HandshakeType type, byte[] body) =>
        [(byte)type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private AlertDescription? FeedAndGetAlert(byte[] input)
    {
        using var connection = ManagedTlsConnection.CreateServer(Options);
        connection.Feed(input);
        byte[] output = connection.TakePendingOutput();

        // A plaintext fatal alert record: 21, 3, 3, 0, 2, level 2, description.
        Assert.Equal([21, 3, 3, 0, 2, 2, (byte)connection.Failure!.Alert], output[^7..]);
        return connection.Failure.Alert;
    }
}
