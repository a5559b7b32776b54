using System.Buffers.Binary;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// Record protection (RFC 8446 §5.2–5.5) over every suite, SM4-GCM and SM4-CCM included: round
/// trips, nonces, sequence numbers, padding, and each way a peer's record can be wrong ending in
/// the alert RFC 8446 names.
/// </summary>
public sealed class RecordProtectionTests
{
    public static TheoryData<string> Suites => new() { "TLS_SM4_GCM_SM3", "TLS_SM4_CCM_SM3", "TLS_AES_128_GCM_SHA256" };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Records_of_every_type_and_length_round_trip_with_and_without_padding(string name)
    {
        (RecordProtection writer, RecordProtection reader) = Pair(name);
        using (writer)
        using (reader)
        {
            var random = new Random(8446);
            foreach ((int length, int padding) in new[] { (0, 0), (1, 0), (1, 200), (100, 7), (RecordLimits.MaxPlaintextLength, 0), (RecordLimits.MaxPlaintextLength - 10, 10) })
            {
                byte[] content = new byte[length];
                random.NextBytes(content);
                ContentType type = length == 0 ? ContentType.ApplicationData : (ContentType)(21 + (length % 3));
                byte[] record = new byte[writer.GetSealedLength(length, padding)];

                Assert.Equal(record.Length, writer.Seal(type, content, record, padding));
                Assert.Equal([23, 3, 3], record[..3]);
                Assert.Equal(record.Length - 5, BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(3)));

                int opened = reader.Open(record, out ContentType openedType);
                Assert.Equal(type, openedType);
                Assert.Equal(content, record.AsSpan(5, opened).ToArray());
            }

            Assert.Equal(6UL, writer.SequenceNumber);
            Assert.Equal(6UL, reader.SequenceNumber);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_same_content_seals_differently_as_the_sequence_number_advances(string name)
    {
        (RecordProtection writer, RecordProtection reader) = Pair(name);
        using (writer)
        using (reader)
        {
            byte[] first = new byte[writer.GetSealedLength(4)];
            byte[] second = new byte[first.Length];
            writer.Seal(ContentType.ApplicationData, "ping"u8, first);
            writer.Seal(ContentType.ApplicationData, "ping"u8, second);

            Assert.NotEqual(first, second);
            var error = Assert.Throws<TlsProtocolException>(() => reader.Open([.. second], out _));
            Assert.Equal(AlertDescription.BadRecordMac, error.Alert);
        }
    }

    [Fact]
    public void The_nonce_is_the_iv_xored_with_the_big_endian_sequence_number_in_its_last_eight_bytes()
    {
        byte[] iv = Convert.FromHexString("000102030405060708090a0b");
        byte[] nonce = new byte[12];

        RecordProtection.ComputeNonce(iv, 0, nonce);
        Assert.Equal(iv, nonce);

        RecordProtection.ComputeNonce(iv, 0x0102030405060708, nonce);
        Assert.Equal("00010203050705030d0f0d03", Convert.ToHexStringLower(nonce));

        RecordProtection.ComputeNonce(iv, ulong.MaxValue, nonce);
        Assert.Equal("00010203fbfaf9f8f7f6f5f4", Convert.ToHexStringLower(nonce));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Any_flipped_bit_in_header_ciphertext_or_tag_is_bad_record_mac(string name)
    {
        (RecordProtection writer, _) = Pair(name);
        byte[] record = new byte[writer.GetSealedLength(32)];
        writer.Seal(ContentType.ApplicationData, new byte[32], record);
        writer.Dispose();

        // Byte 0 would be caught as a wrong type and bytes 3-4 as a wrong length: the rest is authenticated.
        foreach (int at in new[] { 1, 2, 5, 20, record.Length - 17, record.Length - 16, record.Length - 1 })
        {
            (_, RecordProtection reader) = Pair(name);
            using (reader)
            {
                byte[] tampered = [.. record];
                tampered[at] ^= 0x04;
                var error = Assert.Throws<TlsProtocolException>(() => reader.Open(tampered, out _));
                Assert.Equal(AlertDescription.BadRecordMac, error.Alert);
                Assert.Equal(new byte[tampered.Length - 5 - 16], tampered.AsSpan(5, tampered.Length - 21).ToArray());
            }
        }
    }

    [Fact]
    public void A_ciphertext_longer_than_2_14_plus_256_is_record_overflow_before_any_decryption()
    {
        (_, RecordProtection reader) = Pair("TLS_SM4_GCM_SM3");
        byte[] record = Header(23, RecordLimits.MaxCiphertextLength + 1);

        var error = Assert.Throws<TlsProtocolException>(() => reader.Open(record, out _));
        Assert.Equal(AlertDescription.RecordOverflow, error.Alert);
    }

    [Fact]
    public void An_inner_plaintext_over_2_14_plus_1_is_record_overflow_even_when_authentic()
    {
        // A peer that pads past §5.4's limit: seal it by hand with the same keys.
        byte[] key = new byte[16];
        byte[] iv = new byte[12];
        using Tls13Aead aead = Tls13CipherSuite.Sm4GcmSm3.CreateAead(key);
        int innerLength = RecordLimits.MaxInnerPlaintextLength + 1;
        byte[] record = Header(23, innerLength + 16);
        byte[] inner = new byte[innerLength];
        inner[0] = 23;
        aead.Seal(iv, inner, record.AsSpan(0, 5), record.AsSpan(5, innerLength), record.AsSpan(5 + innerLength));

        using var reader = new RecordProtection(Tls13CipherSuite.Sm4GcmSm3, key, iv);
        var error = Assert.Throws<TlsProtocolException>(() => reader.Open(record, out _));
        Assert.Equal(AlertDescription.RecordOverflow, error.Alert);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 1, 20, 0 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 1, 99 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 22, 0, 0 }, AlertDescription.UnexpectedMessage)]
    [InlineData(new byte[] { 21 }, AlertDescription.UnexpectedMessage)]
    public void Authentic_inner_plaintexts_that_rfc_8446_forbids_are_refused(byte[] inner, AlertDescription alert)
    {
        // All zeros, empty, a protected change_cipher_spec, an unknown type, empty handshake, empty alert (§5, §5.4).
        byte[] key = new byte[16];
        byte[] iv = new byte[12];
        byte[] record = SealRaw(Tls13CipherSuite.Sm4CcmSm3, key, iv, inner);
        using var reader = new RecordProtection(Tls13CipherSuite.Sm4CcmSm3, key, iv);

        var error = Assert.Throws<TlsProtocolException>(() => reader.Open(record, out _));
        Assert.Equal(alert, error.Alert);
    }

    [Fact]
    public void Padding_is_stripped_down_to_the_last_non_zero_octet_and_empty_application_data_is_allowed()
    {
        byte[] key = new byte[16];
        byte[] iv = new byte[12];
        using var reader = new RecordProtection(Tls13CipherSuite.Sm4GcmSm3, key, iv);

        byte[] padded = SealRaw(Tls13CipherSuite.Sm4GcmSm3, key, iv, [0, 7, 0, 22, 0, 0, 0, 0]);
        Assert.Equal(3, reader.Open(padded, out ContentType type));
        Assert.Equal(ContentType.Handshake, type);
        Assert.Equal([0, 7, 0], padded[5..8]);

        byte[] empty = SealRaw(Tls13CipherSuite.Sm4GcmSm3, key, iv, [23, 0, 0], sequence: 1);
        Assert.Equal(0, reader.Open(empty, out type));
        Assert.Equal(ContentType.ApplicationData, type);
    }

    [Fact]
    public void Records_shorter_than_a_tag_and_records_of_another_type_are_refused()
    {
        using var reader = new RecordProtection(Tls13CipherSuite.Aes128GcmSha256, new byte[16], new byte[12]);

        Assert.Equal(AlertDescription.BadRecordMac, Assert.Throws<TlsProtocolException>(() => reader.Open(Header(23, 15), out _)).Alert);
        Assert.Equal(AlertDescription.UnexpectedMessage, Assert.Throws<TlsProtocolException>(() => reader.Open(Header(22, 40), out _)).Alert);
    }

    [Fact]
    public void A_key_reports_that_it_needs_an_update_at_the_suites_confidentiality_limit()
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Sm4GcmSm3 with { ConfidentialityLimit = 2 };
        using var writer = new RecordProtection(suite, new byte[16], new byte[12]);
        byte[] record = new byte[writer.GetSealedLength(1)];

        writer.Seal(ContentType.ApplicationData, [1], record);
        Assert.False(writer.KeyUpdateNeeded);
        writer.Seal(ContentType.ApplicationData, [1], record);
        Assert.True(writer.KeyUpdateNeeded);
    }

    [Fact]
    public void Sealing_refuses_types_that_are_never_protected_and_content_over_the_limit()
    {
        using var writer = new RecordProtection(Tls13CipherSuite.Sm4GcmSm3, new byte[16], new byte[12]);
        byte[] buffer = new byte[RecordLimits.MaxRecordLength + 10];

        Assert.Throws<ArgumentException>(() => writer.Seal(ContentType.ChangeCipherSpec, [1], buffer));
        Assert.Throws<ArgumentException>(() => writer.Seal(ContentType.Invalid, [1], buffer));
        Assert.Throws<ArgumentException>(() => writer.Seal(ContentType.ApplicationData, new byte[RecordLimits.MaxPlaintextLength + 1], buffer));
        Assert.Throws<ArgumentException>(() => writer.Seal(ContentType.ApplicationData, new byte[10], buffer, RecordLimits.MaxPlaintextLength - 9));
        Assert.Equal(0UL, writer.SequenceNumber);
    }

    [Fact]
    public void Content_already_in_place_after_the_header_seals_without_a_copy_and_opens_into_another_buffer()
    {
        using var writer = RecordProtection.FromTrafficSecret(Tls13CipherSuite.Sm4CcmSm3, new byte[32]);
        using var reader = RecordProtection.FromTrafficSecret(Tls13CipherSuite.Sm4CcmSm3, new byte[32]);
        byte[] buffer = new byte[writer.GetSealedLength(5)];
        "hello"u8.CopyTo(buffer.AsSpan(5));

        int length = writer.Seal(ContentType.ApplicationData, buffer.AsSpan(5, 5), buffer);
        byte[] plaintext = new byte[length];
        int opened = reader.Open(buffer, plaintext, out _);

        Assert.Equal("hello"u8.ToArray(), plaintext[..opened]);
    }

    internal static byte[] Header(byte type, int length)
    {
        byte[] record = new byte[5 + length];
        record[0] = type;
        record[1] = 3;
        record[2] = 3;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)length);
        return record;
    }

    private static byte[] SealRaw(Tls13CipherSuite suite, byte[] key, byte[] iv, byte[] inner, ulong sequence = 0)
    {
        using Tls13Aead aead = suite.CreateAead(key);
        byte[] record = Header(23, inner.Length + 16);
        byte[] nonce = new byte[12];
        RecordProtection.ComputeNonce(iv, sequence, nonce);
        aead.Seal(nonce, inner, record.AsSpan(0, 5), record.AsSpan(5, inner.Length), record.AsSpan(5 + inner.Length));
        return record;
    }

    private static (RecordProtection Writer, RecordProtection Reader) Pair(string name)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.All.Single(s => s.Name == name);
        byte[] secret = new byte[suite.HashLength];
        new Random(name.Length).NextBytes(secret);
        return (RecordProtection.FromTrafficSecret(suite, secret), RecordProtection.FromTrafficSecret(suite, secret));
    }
}
