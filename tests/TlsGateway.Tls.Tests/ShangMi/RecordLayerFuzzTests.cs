using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// The record splitter, opener and plaintext reader under mutated streams (<see cref="Fuzzer"/>):
/// whatever a peer sends, the only way out is a <see cref="TlsProtocolException"/> with an alert —
/// never an IndexOutOfRange, an ArgumentException from a span, or a crypto exception.
/// </summary>
public sealed class RecordLayerFuzzTests
{
    [Theory]
    [InlineData(0x00C6)]
    [InlineData(0x00C7)]
    [InlineData(0x1301)]
    public void Mutated_record_streams_end_only_in_protocol_alerts(int id)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Find((ushort)id)!;
        byte[] secret = new byte[suite.HashLength];
        byte[][] seeds = [Seeds(suite, secret, 0), Seeds(suite, secret, 1), Rfc8448Trace.ServerFlightRecord, [22, 3, 1, 0, 4, 1, 0, 0, 0]];

        int runs = Fuzzer.Run(seeds, input =>
        {
            using var splitter = new RecordSplitter();
            using RecordProtection reader = RecordProtection.FromTrafficSecret(suite, secret);
            int at = 0;
            int chunk = 1 + (input.Length % 7);
            while (at < input.Length)
            {
                at += splitter.Append(input.AsSpan(at, Math.Min(chunk, input.Length - at)));
                while (splitter.TryRead(out InboundRecord record))
                {
                    if (record.Type == ContentType.ApplicationData)
                    {
                        int length = reader.Open(record.Bytes, out ContentType type);
                        Assert.InRange(length, 0, RecordLimits.MaxPlaintextLength);
                        Assert.True(type is ContentType.Handshake or ContentType.Alert or ContentType.ApplicationData);
                    }
                    else
                    {
                        PlaintextRecords.Read(record);
                    }
                }
            }
        }, e => e is TlsProtocolException);

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    private static byte[] Seeds(Tls13CipherSuite suite, byte[] secret, int padding)
    {
        using RecordProtection writer = RecordProtection.FromTrafficSecret(suite, secret);
        byte[] handshake = new byte[PlaintextRecords.GetWrittenLength(4)];
        PlaintextRecords.Write(ContentType.Handshake, [20, 0, 0, 0], handshake);
        byte[] ccs = [20, 3, 3, 0, 1, 1];
        byte[] first = new byte[writer.GetSealedLength(10, padding)];
        writer.Seal(ContentType.Handshake, new byte[10], first, padding);
        byte[] second = new byte[writer.GetSealedLength(2, padding * 30)];
        writer.Seal(ContentType.Alert, [1, 0], second, padding * 30);
        return [.. handshake, .. ccs, .. first, .. second];
    }
}
