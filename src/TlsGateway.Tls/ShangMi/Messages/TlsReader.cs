using System.Buffers.Binary;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A forward-only, bounds-checked reader of the TLS presentation language (RFC 8446 §3): big-endian
/// integers and length-prefixed vectors. Every read that runs past the end, and every vector whose
/// length is outside its declared range, throws <see cref="TlsProtocolException"/> with decode_error
/// (§6.2: "a message could not be decoded because some field was out of the specified range or the
/// length of the message was incorrect") — never an IndexOutOfRangeException, so a peer's bytes
/// reach the engine's one catch and end in an alert.
/// </summary>
/// <remarks>
/// A vector read returns a sub-reader over exactly its contents, which keeps the offset of its
/// first byte in the outermost span (<see cref="Offset"/>): the PSK binder transcript (§4.2.11.2)
/// needs to know where inside the ClientHello the binders begin.
/// </remarks>
public ref struct TlsReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private int _position;

    public TlsReader(ReadOnlySpan<byte> data)
        : this(data, 0)
    {
    }

    private TlsReader(ReadOnlySpan<byte> data, int baseOffset)
    {
        _data = data;
        _baseOffset = baseOffset;
        _position = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool IsEmpty => _position == _data.Length;

    /// <summary>The position of the next byte, counted from the start of the outermost reader's span.</summary>
    public readonly int Offset => _baseOffset + _position;

    public byte ReadUInt8()
    {
        return Take(1)[0];
    }

    public ushort ReadUInt16()
    {
        return BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    }

    public int ReadUInt24()
    {
        ReadOnlySpan<byte> bytes = Take(3);
        return (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
    }

    public uint ReadUInt32()
    {
        return BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    }

    /// <summary>Reads <paramref name="count"/> bytes as they are (a fixed-length field such as Random).</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        return Take(count);
    }

    /// <summary>The rest of the span (a field that runs to the end of its message, such as a signature's owner).</summary>
    public ReadOnlySpan<byte> ReadRemaining()
    {
        return Take(Remaining);
    }

    /// <summary>Reads a vector with a one-byte length whose length lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public TlsReader ReadVector8(int min = 0, int max = byte.MaxValue)
    {
        return Vector(ReadUInt8(), min, max);
    }

    /// <summary>Reads a vector with a two-byte length whose length lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public TlsReader ReadVector16(int min = 0, int max = ushort.MaxValue)
    {
        return Vector(ReadUInt16(), min, max);
    }

    /// <summary>Reads a vector with a three-byte length whose length lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public TlsReader ReadVector24(int min = 0, int max = 0xFF_FFFF)
    {
        return Vector(ReadUInt24(), min, max);
    }

    /// <summary>An opaque&lt;min..max&gt; with a one-byte length, as bytes.</summary>
    public ReadOnlySpan<byte> ReadOpaque8(int min = 0, int max = byte.MaxValue)
    {
        return ReadVector8(min, max).ReadRemaining();
    }

    /// <summary>An opaque&lt;min..max&gt; with a two-byte length, as bytes.</summary>
    public ReadOnlySpan<byte> ReadOpaque16(int min = 0, int max = ushort.MaxValue)
    {
        return ReadVector16(min, max).ReadRemaining();
    }

    /// <summary>An opaque&lt;min..max&gt; with a three-byte length, as bytes.</summary>
    public ReadOnlySpan<byte> ReadOpaque24(int min = 0, int max = 0xFF_FFFF)
    {
        return ReadVector24(min, max).ReadRemaining();
    }

    /// <summary>
    /// A list of uint16 values (cipher suites, groups, signature schemes) in a vector with a
    /// <paramref name="prefixBytes"/>-byte length: an odd length is a decode_error.
    /// </summary>
    public ushort[] ReadUInt16List(int prefixBytes, int min, int max, string what)
    {
        TlsReader list = prefixBytes == 1 ? ReadVector8(min, max) : ReadVector16(min, max);
        if ((list.Remaining & 1) != 0)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"{what}: odd length {list.Remaining} for a list of uint16");
        }

        var values = new ushort[list.Remaining / 2];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = list.ReadUInt16();
        }

        return values;
    }

    /// <summary>Fails with decode_error unless every byte has been read: trailing bytes are a wrong length (§6.2).</summary>
    public readonly void EnsureEnd(string what)
    {
        if (!IsEmpty)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"{what}: {Remaining} unexpected trailing bytes");
        }
    }

    private TlsReader Vector(int length, int min, int max)
    {
        if (length < min || length > max)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"vector length {length} outside [{min}, {max}]");
        }

        int start = Offset;
        return new TlsReader(Take(length), start);
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new TlsProtocolException(AlertDescription.DecodeError, $"truncated: wanted {count} bytes, {Remaining} left");
        }

        ReadOnlySpan<byte> taken = _data.Slice(_position, count);
        _position += count;
        return taken;
    }
}
