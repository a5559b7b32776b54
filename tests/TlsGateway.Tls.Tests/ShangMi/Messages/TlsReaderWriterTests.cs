using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Messages;

/// <summary>The presentation-language reader and writer (RFC 8446 §3) on their own.</summary>
public sealed class TlsReaderWriterTests
{
    [Fact]
    public void Integers_are_written_and_read_big_endian()
    {
        var writer = new TlsWriter(1);
        writer.WriteUInt8(0x01);
        writer.WriteUInt16(0x0203);
        writer.WriteUInt24(0x040506);
        writer.WriteUInt32(0x0708090a);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], writer.ToArray());
        var reader = new TlsReader(writer.WrittenSpan);
        Assert.Equal(0x01, reader.ReadUInt8());
        Assert.Equal(0x0203, reader.ReadUInt16());
        Assert.Equal(0x040506, reader.ReadUInt24());
        Assert.Equal(0x0708090au, reader.ReadUInt32());
        reader.EnsureEnd("test");
    }

    [Fact]
    public void Nested_vector_scopes_fill_in_each_length_when_closed()
    {
        var writer = new TlsWriter();
        using (writer.BeginVector24())
        {
            using (writer.BeginVector16())
            {
                writer.WriteOpaque8([0xaa, 0xbb]);
            }

            writer.WriteUInt8(0xcc);
        }

        Assert.Equal([0, 0, 6, 0, 3, 2, 0xaa, 0xbb, 0xcc], writer.ToArray());
    }

    [Fact]
    public void A_sub_reader_knows_its_offset_in_the_outer_span()
    {
        byte[] data = [9, 9, 0, 3, 1, 2, 3];
        var reader = new TlsReader(data);
        reader.ReadUInt16();

        TlsReader inner = reader.ReadVector16();

        Assert.Equal(4, inner.Offset);
        inner.ReadUInt8();
        Assert.Equal(5, inner.Offset);
        Assert.True(reader.IsEmpty);
    }

    [Fact]
    public void Reading_past_the_end_is_a_decode_error_not_an_index_exception()
    {
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([1]).ReadUInt16()).Alert);
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([0, 5, 1]).ReadVector16()).Alert);
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([]).ReadUInt8()).Alert);
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([0, 0]).ReadUInt24()).Alert);
    }

    [Fact]
    public void A_vector_length_outside_its_declared_range_is_a_decode_error()
    {
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([0]).ReadVector8(min: 1)).Alert);
        Assert.Equal(AlertDescription.DecodeError, Assert.Throws<TlsProtocolException>(() => new TlsReader([3, 1, 2, 3]).ReadVector8(max: 2)).Alert);
    }

    [Fact]
    public void An_odd_length_uint16_list_is_a_decode_error()
    {
        Assert.Equal(AlertDescription.DecodeError,
            Assert.Throws<TlsProtocolException>(() => new TlsReader([0, 3, 0, 1, 2]).ReadUInt16List(2, 2, 100, "list")).Alert);
    }

    [Fact]
    public void Trailing_bytes_are_a_decode_error()
    {
        var e = Assert.Throws<TlsProtocolException>(() => new TlsReader([1, 2]).EnsureEnd("thing"));

        Assert.Equal(AlertDescription.DecodeError, e.Alert);
        Assert.Contains("thing", e.Message);
    }

    [Fact]
    public void A_vector_of_ours_that_outgrows_its_length_field_is_an_internal_error()
    {
        var writer = new TlsWriter();

        var e = Assert.Throws<TlsProtocolException>(() =>
        {
            using (writer.BeginVector8())
            {
                writer.WriteBytes(new byte[256]);
            }
        });

        Assert.Equal(AlertDescription.InternalError, e.Alert);
    }
}
