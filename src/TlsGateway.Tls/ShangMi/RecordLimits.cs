namespace TlsGateway.Tls.ShangMi;

/// <summary>The sizes of the TLS 1.3 record layer (RFC 8446 §5).</summary>
public static class RecordLimits
{
    /// <summary>ContentType, legacy_record_version, length (§5.1).</summary>
    public const int HeaderLength = 5;

    /// <summary>TLSPlaintext.length and the content of one protected record: at most 2^14 (§5.1).</summary>
    public const int MaxPlaintextLength = 1 << 14;

    /// <summary>TLSInnerPlaintext with its type byte and any padding: at most 2^14 + 1 (§5.4).</summary>
    public const int MaxInnerPlaintextLength = MaxPlaintextLength + 1;

    /// <summary>TLSCiphertext.length: at most 2^14 + 256 (§5.2).</summary>
    public const int MaxCiphertextLength = MaxPlaintextLength + 256;

    /// <summary>The largest record on the wire, header included.</summary>
    public const int MaxRecordLength = HeaderLength + MaxCiphertextLength;

    /// <summary>legacy_record_version of every record a TLS 1.3 implementation writes (§5.1), and of TLSCiphertext always (§5.2).</summary>
    public const ushort LegacyRecordVersion = 0x0303;
}
