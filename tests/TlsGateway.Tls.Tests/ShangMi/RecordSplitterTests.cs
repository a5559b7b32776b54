using TlsGateway.Tls.ShangMi;
using static TlsGateway.Tls.Tests.ShangMi.RecordProtectionTests;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>Framing of the byte stream into records (RFC 8446 §5.1) and the unprotected records of the handshake.</summary>
public sealed class RecordSplitterTests
{
    [Fact]
    public void A_record_arriving_byte_by_byte_comes_out_once_it_is_whole()
    {
        byte[] handshake = new byte[300];
        new Random(1).NextBytes(handshake);
        byte[] stream = new byte[PlaintextRecords.GetWrittenLength(handshake.Length)];
        PlaintextRecords.Write(ContentType.Handshake, handshake, stream);
        using var splitter = new RecordSplitter();

        for (int i = 0; i < stream.Length - 1; i++)
        {
            Assert.Equal(1, splitter.Append(stream.AsSpan(i, 1)));
            Assert.False(splitter.TryRead(out _));
        }

        splitter.Append(stream.AsSpan(stream.Length - 1));
        Assert.True(splitter.TryRead(out InboundRecord record));
        Assert.Equal(ContentType.Handshake, record.Type);
        Assert.Equal(0x0303, record.LegacyVersion);
        Assert.Equal(handshake, PlaintextRecords.Read(record).ToArray());
        Assert.False(splitter.TryRead(out _));
    }

    [Fact]
    public void Records_can_be_received_straight_into_the_write_space_and_the_buffer_goes_back_when_idle()
    {
        using var splitter = new RecordSplitter();
        Span<byte> space = splitter.GetWriteSpace();
        Assert.True(space.Length >= RecordLimits.MaxRecordLength);
        int written = PlaintextRecords.Write(ContentType.Alert, [2, 40], space);
        written += PlaintextRecords.Write(ContentType.ChangeCipherSpec, [1], space[written..]);
        splitter.Advance(written);

        Assert.True(splitter.TryRead(out InboundRecord alert));
        Assert.Equal([2, 40], PlaintextRecords.Read(alert).ToArray());
        Assert.True(splitter.TryRead(out InboundRecord ccs));
        Assert.Equal(ContentType.ChangeCipherSpec, ccs.Type);
        splitter.ReleaseIfEmpty();
        Assert.Equal(0, splitter.BufferedLength);
        Assert.False(splitter.TryRead(out _));
    }

    [Fact]
    public void A_handshake_message_longer_than_2_14_is_written_as_several_records()
    {
        byte[] message = new byte[40_000];
        byte[] stream = new byte[PlaintextRecords.GetWrittenLength(message.Length)];
        Assert.Equal(message.Length + 15, PlaintextRecords.Write(ContentType.Handshake, message, stream, legacyVersion: 0x0301));

        using var splitter = new RecordSplitter();
        var lengths = new List<int>();
        int at = 0;
        while (at < stream.Length)
        {
            at += splitter.Append(stream.AsSpan(at));
            while (splitter.TryRead(out InboundRecord record))
            {
                Assert.Equal(0x0301, record.LegacyVersion);
                lengths.Add(record.Fragment.Length);
            }
        }

        Assert.Equal([16384, 16384, 7232], lengths);
    }

    [Theory]
    [InlineData(new byte[] { 24, 3, 3, 0, 1 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 0, 3, 3, 0, 1 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { (byte)'G', (byte)'E', (byte)'T', (byte)' ', (byte)'/' }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 22, 2, 0, 0, 1 }, AlertDescription.DecodeError)]
    [InlineData(new byte[] { 22, 3, 3, 0x40, 0x01 }, AlertDescription.RecordOverflow)]
    [InlineData(new byte[] { 21, 3, 3, 0x40, 0x01 }, AlertDescription.RecordOverflow)]
    [InlineData(new byte[] { 23, 3, 3, 0x41, 0x01 }, AlertDescription.RecordOverflow)]
    public void A_bad_header_is_refused_as_soon_as_its_five_bytes_are_in(byte[] header, AlertDescription alert)
    {
        using var splitter = new RecordSplitter();
        splitter.Append(header);

        var error = Assert.Throws<TlsProtocolException>(() => splitter.TryRead(out _));
        Assert.Equal(alert, error.Alert);
    }

    [Fact]
    public void A_ciphertext_of_exactly_2_14_plus_256_and_a_plaintext_of_exactly_2_14_are_framed()
    {
        using var splitter = new RecordSplitter();
        Assert.Equal(RecordLimits.MaxRecordLength, splitter.Append(Header(23, RecordLimits.MaxCiphertextLength)));
        Assert.True(splitter.TryRead(out InboundRecord big));
        Assert.Equal(RecordLimits.MaxCiphertextLength, big.Fragment.Length);

        splitter.Append(Header(22, RecordLimits.MaxPlaintextLength));
        Assert.True(splitter.TryRead(out _));
    }

    [Fact]
    public void A_full_buffer_takes_nothing_more_until_its_records_are_read()
    {
        using var splitter = new RecordSplitter();
        byte[] record = Header(23, 1000);
        int taken = 0;
        while (splitter.Append(record) == record.Length)
        {
            taken++;
        }

        Assert.True(taken >= 3);
        while (splitter.TryRead(out _))
        {
        }

        Assert.Equal(record.Length, splitter.Append(record));
    }

    [Theory]
    [InlineData(new byte[] { 22, 3, 3, 0, 0 })]
    [InlineData(new byte[] { 21, 3, 3, 0, 0 })]
    [InlineData(new byte[] { 20, 3, 3, 0, 1, 2 })]
    [InlineData(new byte[] { 20, 3, 3, 0, 2, 1, 1 })]
    [InlineData(new byte[] { 23, 3, 3, 0, 1, 1 })]
    public void Unprotected_records_a_peer_may_not_send_are_unexpected_message(byte[] bytes)
    {
        using var splitter = new RecordSplitter();
        splitter.Append(bytes);
        Assert.True(splitter.TryRead(out InboundRecord record));

        try
        {
            PlaintextRecords.Read(record);
            Assert.Fail("accepted");
        }
        catch (TlsProtocolException e)
        {
            Assert.Equal(AlertDescription.UnexpectedMessage, e.Alert);
        }
    }

    [Fact]
    public void The_writer_refuses_what_tls_1_3_never_sends_in_the_clear()
    {
        byte[] buffer = new byte[100];
        Assert.Throws<ArgumentException>(() => PlaintextRecords.Write(ContentType.ApplicationData, [1], buffer));
        Assert.Throws<ArgumentException>(() => PlaintextRecords.Write(ContentType.Handshake, [], buffer));
        Assert.Throws<ArgumentException>(() => PlaintextRecords.Write(ContentType.Handshake, new byte[96], buffer));
    }
}
