using System.Buffers.Binary;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The unprotected records of a TLS 1.3 handshake (RFC 8446 §5.1): ClientHello, ServerHello and
/// HelloRetryRequest, alerts sent before keys exist, and the compatibility change_cipher_spec
/// (Appendix D.4). Writing fragments a payload into records of at most 2^14 bytes; reading
/// checks what a peer may send unprotected.
/// </summary>
public static class PlaintextRecords
{
    /// <summary>The length <see cref="Write"/> needs for <paramref name="payloadLength"/> bytes.</summary>
    public static int GetWrittenLength(int payloadLength)
    {
        int records = Math.Max(1, (payloadLength + RecordLimits.MaxPlaintextLength - 1) / RecordLimits.MaxPlaintextLength);
        return payloadLength + (records * RecordLimits.HeaderLength);
    }

    /// <summary>
    /// Writes <paramref name="payload"/> as TLSPlaintext records of <paramref name="type"/> into
    /// <paramref name="destination"/> and returns the bytes written. <paramref name="legacyVersion"/>
    /// is 0x0303, or 0x0301 for an initial ClientHello where a client wants middlebox
    /// compatibility (§5.1). Handshake messages may span records (§5.1); alerts may not, and
    /// application data is never written unprotected in TLS 1.3.
    /// </summary>
    public static int Write(ContentType type, ReadOnlySpan<byte> payload, Span<byte> destination, ushort legacyVersion = RecordLimits.LegacyRecordVersion)
    {
        if (type is not (ContentType.Handshake or ContentType.Alert or ContentType.ChangeCipherSpec))
        {
            throw new ArgumentException($"{type} is never sent unprotected in TLS 1.3", nameof(type));
        }

        if (payload.IsEmpty)
        {
            // §5.1: no zero-length handshake (or alert) fragments.
            throw new ArgumentException("a plaintext record carries at least one byte", nameof(payload));
        }

        if (type != ContentType.Handshake && payload.Length > RecordLimits.MaxPlaintextLength)
        {
            throw new ArgumentException($"only handshake messages are fragmented, not {type}", nameof(payload));
        }

        int needed = GetWrittenLength(payload.Length);
        if (destination.Length < needed)
        {
            throw new ArgumentException($"the records need {needed} bytes", nameof(destination));
        }

        int written = 0;
        while (!payload.IsEmpty)
        {
            int fragment = Math.Min(payload.Length, RecordLimits.MaxPlaintextLength);
            Span<byte> record = destination[written..];
            record[0] = (byte)type;
            BinaryPrimitives.WriteUInt16BigEndian(record[1..], legacyVersion);
            BinaryPrimitives.WriteUInt16BigEndian(record[3..], (ushort)fragment);
            payload[..fragment].CopyTo(record[RecordLimits.HeaderLength..]);
            written += RecordLimits.HeaderLength + fragment;
            payload = payload[fragment..];
        }

        return written;
    }

    /// <summary>
    /// The fragment of an unprotected record, checked: handshake and alert fragments are not
    /// empty (§5.1), a change_cipher_spec is the single byte 0x01 (§5). Application data is
    /// refused: before keys it is unexpected; a server skipping rejected 0-RTT records
    /// (§4.2.10) does so before calling this.
    /// </summary>
    /// <exception cref="TlsProtocolException">unexpected_message for anything else.</exception>
    public static ReadOnlySpan<byte> Read(InboundRecord record)
    {
        ReadOnlySpan<byte> fragment = record.Fragment;
        switch (record.Type)
        {
            case ContentType.Handshake or ContentType.Alert when !fragment.IsEmpty:
                return fragment;
            case ContentType.ChangeCipherSpec when fragment.Length == 1 && fragment[0] == 0x01:
                return fragment;
            case ContentType.ChangeCipherSpec:
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, "a change_cipher_spec other than 0x01 (RFC 8446 §5)");
            case ContentType.Handshake or ContentType.Alert:
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"an empty {record.Type} record (RFC 8446 §5.1)");
            default:
                throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"an unprotected {record.Type} record");
        }
    }
}
