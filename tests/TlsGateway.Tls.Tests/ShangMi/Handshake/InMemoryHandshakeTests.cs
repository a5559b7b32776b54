using TlsGateway.Crypto.ShangMi;
using TlsGateway.Tls.ShangMi;
using TlsGateway.Tls.Tests.ShangMi.Messages;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// A whole TLS_SM4_GCM_SM3 handshake with the managed server in memory, the client side written
/// here from the engine's parts (key schedule, record protection, codec): then application data,
/// a client KeyUpdate that asks for one back, and garbage after the handshake.
/// </summary>
public sealed class InMemoryHandshakeTests : IDisposable
{
    private readonly Sm2Key _key = Sm2Key.Generate();
    private readonly Sm2KeyExchange _clientExchange = new();

    [Fact]
    public void A_completed_shangmi_handshake_carries_data_survives_a_key_update_and_ends_with_bad_record_mac_on_garbage()
    {
        using var connection = ManagedTlsConnection.CreateServer(new ManagedServerOptions
        {
            ShangMiCredential = new Sm2ServerCredential([[0x30, 0x00]], _key),
        });
        ClientHello hello = new(ProtocolVersion.Tls12, HandshakeSamples.Filled(32, 0x11), HandshakeSamples.Filled(32, 0x22),
            [CipherSuiteId.TlsSm4GcmSm3],
            [.. HandshakeSamples.ShangMiClientHello().Extensions.Select(e => e.Type == ExtensionType.KeyShare
                ? ExtensionCodec.EncodeClientKeyShares([new KeyShareEntry(NamedGroup.CurveSm2, _clientExchange.KeyShare.ToArray())])
                : e)]);
        byte[] helloMessage = hello.ToMessage();
        connection.Feed(HandshakeSamples.InRecords(helloMessage));
        byte[] flight = connection.TakePendingOutput();

        Tls13CipherSuite suite = Tls13CipherSuite.Sm4GcmSm3;
        using Tls13Hash transcript = suite.CreateTranscriptHash();
        transcript.AppendData(helloMessage);
        int at = 0;
        byte[] serverHelloMessage = TestRecords.Next(flight, ref at)[5..];
        transcript.AppendData(serverHelloMessage);
        ServerHello serverHello = ServerHello.Parse(serverHelloMessage[HandshakeMessage.HeaderLength..]);
        Assert.Equal(ContentType.ChangeCipherSpec, (ContentType)TestRecords.Next(flight, ref at)[0]); // §D.4, session id was non-empty

        KeyScheduleHandshake handshake = KeyScheduleEarly.WithoutPsk(suite).IntoHandshake(_clientExchange.DeriveSharedSecret(serverHello.KeyShare!.KeyExchange.Span));
        byte[] helloHash = transcript.GetCurrentHash();
        using Tls13Secret clientHandshake = handshake.DeriveClientHandshakeTrafficSecret(helloHash);
        using Tls13Secret serverHandshake = handshake.DeriveServerHandshakeTrafficSecret(helloHash);
        using RecordProtection serverHandshakeKeys = serverHandshake.CreateRecordProtection();
        var types = new List<HandshakeType>();
        while (at < flight.Length)
        {
            byte[] record = TestRecords.Next(flight, ref at);
            int length = serverHandshakeKeys.Open(record, out ContentType type);
            Assert.Equal(ContentType.Handshake, type);
            types.Add((HandshakeType)record[5]);
            transcript.AppendData(record.AsSpan(5, length));
        }

        Assert.Equal([HandshakeType.EncryptedExtensions, HandshakeType.Certificate, HandshakeType.CertificateVerify, HandshakeType.Finished], types);
        byte[] finishedHash = transcript.GetCurrentHash();
        using KeyScheduleTraffic traffic = handshake.IntoTraffic();
        using Tls13Secret clientApplication = traffic.DeriveClientApplicationTrafficSecret(finishedHash);
        using Tls13Secret serverApplication = traffic.DeriveServerApplicationTrafficSecret(finishedHash);

        using RecordProtection clientHandshakeKeys = clientHandshake.CreateRecordProtection();
        connection.Feed(TestRecords.Seal(clientHandshakeKeys, ContentType.Handshake, new Finished(clientHandshake.ComputeVerifyData(finishedHash)).ToMessage()));
        Assert.True(connection.IsHandshakeComplete, connection.Failure?.Message);

        using RecordProtection clientKeys = clientApplication.CreateRecordProtection();
        connection.Feed(TestRecords.Seal(clientKeys, ContentType.ApplicationData, "ping"u8.ToArray()));
        Assert.Equal("ping"u8.ToArray(), connection.TakeReceivedPlaintext());

        // §4.6.3: a KeyUpdate asking for one back; the client's next records use its next key.
        connection.Feed(TestRecords.Seal(clientKeys, ContentType.Handshake, new KeyUpdate(KeyUpdateRequest.UpdateRequested).ToMessage()));
        byte[] answer = connection.TakePendingOutput();
        using RecordProtection serverKeys = serverApplication.CreateRecordProtection();
        int answerLength = serverKeys.Open(answer, out ContentType answerType);
        Assert.Equal(ContentType.Handshake, answerType);
        Assert.Equal(new KeyUpdate(KeyUpdateRequest.UpdateNotRequested).ToMessage(), answer.AsSpan(5, answerLength).ToArray());
        using Tls13Secret nextClient = clientApplication.NextApplicationTrafficSecret();
        using RecordProtection nextClientKeys = nextClient.CreateRecordProtection();
        connection.Feed(TestRecords.Seal(nextClientKeys, ContentType.ApplicationData, "after update"u8.ToArray()));
        Assert.Equal("after update"u8.ToArray(), connection.TakeReceivedPlaintext());
        Assert.Null(connection.Failure);

        connection.Feed([23, 3, 3, 0, 30, .. HandshakeSamples.Filled(30, 0xEE)]);

        Assert.Equal(AlertDescription.BadRecordMac, connection.Failure?.Alert);
        Assert.True(connection.IsWriteClosed);
    }

    public void Dispose()
    {
        _key.Dispose();
        _clientExchange.Dispose();
    }
}
