using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.Rfc8448Trace;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// The record layer (RFC 8446 §5.2–5.4) against the protected records RFC 8448 §3 sends, byte
/// for byte in both directions, with the sequence numbers the trace uses.
/// </summary>
public sealed class RecordProtectionRfc8448Tests
{
    private static readonly Tls13CipherSuite s_suite = Tls13CipherSuite.Aes128GcmSha256;

    [Fact]
    public void The_server_flight_seals_to_the_published_record_and_opens_back_to_the_four_messages()
    {
        using var writer = RecordProtection.FromTrafficSecret(s_suite, Hex(ServerHandshakeTrafficSecret));
        byte[] record = new byte[writer.GetSealedLength(ServerFlight.Length)];
        int written = writer.Seal(ContentType.Handshake, ServerFlight, record);

        Assert.Equal(ServerFlightRecord.Length, written);
        Assert.Equal(Convert.ToHexStringLower(ServerFlightRecord), Convert.ToHexStringLower(record));

        using var reader = new RecordProtection(s_suite, Hex(ServerHandshakeKey), Hex(ServerHandshakeIv));
        byte[] received = [.. ServerFlightRecord];
        int length = reader.Open(received, out ContentType type);
        Assert.Equal(ContentType.Handshake, type);
        Assert.Equal(ServerFlight, received.AsSpan(5, length).ToArray());
        Assert.Equal(1UL, reader.SequenceNumber);
    }

    [Fact]
    public void The_client_finished_record_matches_under_the_client_handshake_keys()
    {
        using var writer = RecordProtection.FromTrafficSecret(s_suite, Hex(ClientHandshakeTrafficSecret));
        byte[] record = new byte[ClientFinishedRecord.Length];
        writer.Seal(ContentType.Handshake, ClientFinishedMessage, record);

        Assert.Equal(ClientFinishedRecord, record);
    }

    [Fact]
    public void The_server_application_records_follow_sequence_numbers_0_1_and_2()
    {
        using var writer = RecordProtection.FromTrafficSecret(s_suite, Hex(ServerApplicationTrafficSecret));
        Assert.Equal(TicketRecord, Seal(writer, ContentType.Handshake, NewSessionTicketMessage));
        Assert.Equal(ServerDataRecord, Seal(writer, ContentType.ApplicationData, ApplicationData));
        Assert.Equal(ServerAlertRecord, Seal(writer, ContentType.Alert, [0x01, 0x00]));
        Assert.Equal(3UL, writer.SequenceNumber);

        using var reader = RecordProtection.FromTrafficSecret(s_suite, Hex(ServerApplicationTrafficSecret));
        AssertOpens(reader, TicketRecord, ContentType.Handshake, NewSessionTicketMessage);
        AssertOpens(reader, ServerDataRecord, ContentType.ApplicationData, ApplicationData);
        AssertOpens(reader, ServerAlertRecord, ContentType.Alert, [0x01, 0x00]);
    }

    [Fact]
    public void The_client_application_records_follow_sequence_numbers_0_and_1()
    {
        using var writer = RecordProtection.FromTrafficSecret(s_suite, Hex(ClientApplicationTrafficSecret));
        Assert.Equal(ClientDataRecord, Seal(writer, ContentType.ApplicationData, ApplicationData));
        Assert.Equal(ClientAlertRecord, Seal(writer, ContentType.Alert, [0x01, 0x00]));

        using var reader = RecordProtection.FromTrafficSecret(s_suite, Hex(ClientApplicationTrafficSecret));
        AssertOpens(reader, ClientDataRecord, ContentType.ApplicationData, ApplicationData);
        AssertOpens(reader, ClientAlertRecord, ContentType.Alert, [0x01, 0x00]);
    }

    [Fact]
    public void A_record_opened_under_the_wrong_sequence_number_is_bad_record_mac()
    {
        using var reader = RecordProtection.FromTrafficSecret(s_suite, Hex(ServerApplicationTrafficSecret));
        byte[] data = [.. ServerDataRecord]; // sent as sequence 1, read as 0

        var error = Assert.Throws<TlsProtocolException>(() => reader.Open(data, out _));
        Assert.Equal(AlertDescription.BadRecordMac, error.Alert);
        Assert.Equal(0UL, reader.SequenceNumber);
    }

    [Fact]
    public void The_split_records_of_the_trace_come_out_of_the_splitter_one_by_one_in_any_chunking()
    {
        byte[] stream = [.. TicketRecord, .. ServerDataRecord, .. ServerAlertRecord];
        foreach (int chunk in new[] { 1, 3, 5, 7, 100, stream.Length })
        {
            using var splitter = new RecordSplitter();
            using var reader = RecordProtection.FromTrafficSecret(s_suite, Hex(ServerApplicationTrafficSecret));
            var types = new List<ContentType>();
            for (int at = 0; at < stream.Length; at += chunk)
            {
                int taken = splitter.Append(stream.AsSpan(at, Math.Min(chunk, stream.Length - at)));
                Assert.Equal(Math.Min(chunk, stream.Length - at), taken);
                while (splitter.TryRead(out InboundRecord record))
                {
                    reader.Open(record.Bytes, out ContentType type);
                    types.Add(type);
                }
            }

            Assert.Equal([ContentType.Handshake, ContentType.ApplicationData, ContentType.Alert], types);
            Assert.Equal(0, splitter.BufferedLength);
        }
    }

    private static byte[] Seal(RecordProtection writer, ContentType type, byte[] content)
    {
        byte[] record = new byte[writer.GetSealedLength(content.Length)];
        writer.Seal(type, content, record);
        return record;
    }

    private static void AssertOpens(RecordProtection reader, byte[] record, ContentType expectedType, byte[] expected)
    {
        byte[] plaintext = new byte[record.Length];
        int length = reader.Open(record, plaintext, out ContentType type);
        Assert.Equal(expectedType, type);
        Assert.Equal(expected, plaintext.AsSpan(0, length).ToArray());
    }
}
