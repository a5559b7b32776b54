using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>Record framing for tests that play one side of a handshake by hand (RFC 8446 §5.1, §5.2).</summary>
public static class TestRecords
{
    /// <summary>The record starting at <paramref name="at"/> in a flight, header included; moves <paramref name="at"/> past it.</summary>
    public static byte[] Next(byte[] flight, ref int at)
    {
        int length = 5 + ((flight[at + 3] << 8) | flight[at + 4]);
        byte[] record = flight[at..(at + length)];
        at += length;
        return record;
    }

    /// <summary>One protected record of <paramref name="content"/> under <paramref name="keys"/>.</summary>
    public static byte[] Seal(RecordProtection keys, ContentType type, byte[] content)
    {
        byte[] record = new byte[keys.GetSealedLength(content.Length)];
        keys.Seal(type, content, record);
        return record;
    }
}
