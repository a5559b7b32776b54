namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One whole record as <see cref="RecordSplitter"/> found it in its buffer, header checked
/// (RFC 8446 §5.1). The spans point into the splitter's buffer: valid until the next
/// <see cref="RecordSplitter.Append"/>, <see cref="RecordSplitter.GetWriteSpace"/>,
/// <see cref="RecordSplitter.ReleaseIfEmpty"/> or dispose. They are writable so that
/// <see cref="RecordProtection.Open(Span{byte}, out ContentType)"/> can decrypt in place.
/// </summary>
public readonly ref struct InboundRecord
{
    public InboundRecord(Span<byte> bytes)
    {
        Bytes = bytes;
    }

    /// <summary>Header and fragment: what <see cref="RecordProtection.Open(Span{byte}, out ContentType)"/> takes.</summary>
    public Span<byte> Bytes { get; }

    public ContentType Type => (ContentType)Bytes[0];

    public ushort LegacyVersion => (ushort)((Bytes[1] << 8) | Bytes[2]);

    /// <summary>The fragment after the 5-byte header: plaintext for an unprotected record, ciphertext otherwise.</summary>
    public Span<byte> Fragment => Bytes[RecordLimits.HeaderLength..];
}
