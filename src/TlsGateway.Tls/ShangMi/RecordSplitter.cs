using System.Buffers;
using System.Buffers.Binary;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Cuts the byte stream from the peer into whole records (RFC 8446 §5.1), sans-I/O: the caller
/// writes what it read from the socket into <see cref="GetWriteSpace"/> (or copies it with
/// <see cref="Append"/>), then takes records with <see cref="TryRead"/> until it answers false.
/// A header is checked as soon as its five bytes are in, so garbage fails before the body is
/// waited for: an unknown content type is unexpected_message (§5), a version that is not 3.x is
/// decode_error, and a length over 2^14 (2^14 + 256 for application_data, the only type a
/// protected record has) is record_overflow (§5.1, §5.2).
/// <para>
/// The buffer comes from <see cref="ArrayPool{T}.Shared"/> on first use and can go back while the
/// connection is idle (<see cref="ReleaseIfEmpty"/>), so idle connections hold no buffer. It is
/// cleared when returned: records are decrypted in place and plaintext must not leak to whoever
/// rents the array next.
/// </para>
/// </summary>
public sealed class RecordSplitter : IDisposable
{
    private byte[]? _buffer;
    private int _start;
    private int _end;

    /// <summary>Bytes received and not yet taken as records (a partial record, or records not yet read).</summary>
    public int BufferedLength => _end - _start;

    /// <summary>
    /// Free space to receive into, at least enough for one largest record once buffered records
    /// have been read. Moves unread bytes to the front of the buffer, which ends the life of every
    /// <see cref="InboundRecord"/> handed out before. Empty when the buffer is full of whole
    /// records not read yet: read them first.
    /// </summary>
    public Span<byte> GetWriteSpace()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(RecordLimits.MaxRecordLength);
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        return _buffer.AsSpan(_end);
    }

    /// <summary>Marks <paramref name="count"/> bytes written into <see cref="GetWriteSpace"/> as received.</summary>
    public void Advance(int count)
    {
        if (_buffer is null || count < 0 || count > _buffer.Length - _end)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _end += count;
    }

    /// <summary>Copies as much of <paramref name="data"/> as fits and returns how many bytes it took; read records and append the rest.</summary>
    public int Append(ReadOnlySpan<byte> data)
    {
        Span<byte> space = GetWriteSpace();
        int taken = Math.Min(space.Length, data.Length);
        data[..taken].CopyTo(space);
        _end += taken;
        return taken;
    }

    /// <summary>The next whole record, or false until more bytes arrive.</summary>
    /// <exception cref="TlsProtocolException">The next header is not one a TLS 1.3 peer sends.</exception>
    public bool TryRead(out InboundRecord record)
    {
        record = default;
        int available = _end - _start;
        if (_buffer is null || available < RecordLimits.HeaderLength)
        {
            return false;
        }

        Span<byte> header = _buffer.AsSpan(_start, RecordLimits.HeaderLength);
        int length = CheckHeader(header);
        int total = RecordLimits.HeaderLength + length;
        if (available < total)
        {
            return false;
        }

        record = new InboundRecord(_buffer.AsSpan(_start, total));
        _start += total;
        return true;
    }

    /// <summary>
    /// Gives the buffer back to the pool when nothing is buffered (cleared first). Call it when a
    /// batch of records has been handled and the connection goes back to waiting.
    /// </summary>
    public void ReleaseIfEmpty()
    {
        if (_buffer is not null && _start == _end)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = null;
            _start = _end = 0;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = null;
        }

        _start = _end = 0;
    }

    private static int CheckHeader(ReadOnlySpan<byte> header)
    {
        var type = (ContentType)header[0];
        if (type is not (ContentType.ChangeCipherSpec or ContentType.Alert or ContentType.Handshake or ContentType.ApplicationData))
        {
            // §5: an unexpected record type ends the connection with unexpected_message. This is
            // also where a plaintext HTTP request on the TLS port ends up.
            throw new TlsProtocolException(AlertDescription.UnexpectedMessage, $"record content type {header[0]}");
        }

        if (header[1] != 3)
        {
            // legacy_record_version is otherwise ignored (§5.1: 0x0301 on a first ClientHello, 0x0303
            // after), but a major version other than 3 is not a TLS record at all.
            throw new TlsProtocolException(AlertDescription.DecodeError, $"record version {header[1]}.{header[2]}");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        int limit = type == ContentType.ApplicationData ? RecordLimits.MaxCiphertextLength : RecordLimits.MaxPlaintextLength;
        if (length > limit)
        {
            throw new TlsProtocolException(AlertDescription.RecordOverflow, $"a {length}-byte {type} record exceeds {limit} (RFC 8446 §5.1, §5.2)");
        }

        return length;
    }
}
