using System.Buffers.Binary;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Writes the TLS presentation language (RFC 8446 §3) into a growing buffer. Vectors are written
/// through a scope that reserves the length prefix and fills it in when disposed, so nested
/// structures (extensions inside a hello inside a handshake header) never compute a length by hand:
/// <code>
/// using (writer.BeginVector16())
/// {
///     writer.WriteUInt16(...);
/// }
/// </code>
/// </summary>
public sealed class TlsWriter
{
    private byte[] _buffer;
    private int _length;

    public TlsWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(initialCapacity, 16)];
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteUInt8(byte value)
    {
        Grow(1)[0] = value;
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);
    }

    public void WriteUInt24(int value)
    {
        if ((uint)value > 0xFF_FFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a uint24 holds at most 2^24 - 1");
        }

        Span<byte> bytes = Grow(3);
        bytes[0] = (byte)(value >> 16);
        bytes[1] = (byte)(value >> 8);
        bytes[2] = (byte)value;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Grow(bytes.Length));
    }

    /// <summary>Opens a vector with a one-byte length prefix; dispose the scope to close it.</summary>
    public TlsVectorScope BeginVector8() => Begin(1);

    /// <summary>Opens a vector with a two-byte length prefix; dispose the scope to close it.</summary>
    public TlsVectorScope BeginVector16() => Begin(2);

    /// <summary>Opens a vector with a three-byte length prefix; dispose the scope to close it.</summary>
    public TlsVectorScope BeginVector24() => Begin(3);

    /// <summary>Writes an opaque vector with a one-byte length.</summary>
    public void WriteOpaque8(ReadOnlySpan<byte> bytes)
    {
        using (BeginVector8())
        {
            WriteBytes(bytes);
        }
    }

    /// <summary>Writes an opaque vector with a two-byte length.</summary>
    public void WriteOpaque16(ReadOnlySpan<byte> bytes)
    {
        using (BeginVector16())
        {
            WriteBytes(bytes);
        }
    }

    /// <summary>Writes an opaque vector with a three-byte length.</summary>
    public void WriteOpaque24(ReadOnlySpan<byte> bytes)
    {
        using (BeginVector24())
        {
            WriteBytes(bytes);
        }
    }

    /// <summary>Called by <see cref="TlsVectorScope.Dispose"/>: writes the length of everything since the prefix.</summary>
    internal void Close(int prefixAt, int prefixBytes)
    {
        int length = _length - prefixAt - prefixBytes;
        int max = (1 << (8 * prefixBytes)) - 1;
        if (length > max)
        {
            // Our own message outgrew its field: a bug or an absurd configuration, not the peer's doing.
            throw new TlsProtocolException(AlertDescription.InternalError, $"vector of {length} bytes does not fit a {prefixBytes}-byte length");
        }

        for (int i = 0; i < prefixBytes; i++)
        {
            _buffer[prefixAt + i] = (byte)(length >> (8 * (prefixBytes - 1 - i)));
        }
    }

    private TlsVectorScope Begin(int prefixBytes)
    {
        int at = _length;
        Grow(prefixBytes).Clear();
        return new TlsVectorScope(this, at, prefixBytes);
    }

    private Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
