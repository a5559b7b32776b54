namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A KeyShareEntry (RFC 8446 §4.2.8): the group and the public value. For curveSM2 and the NIST
/// curves the value is an uncompressed point (65 bytes for 256-bit curves, §4.2.8.2); checking
/// its length and that it is on the curve is the group's job, not the codec's.
/// </summary>
public sealed record KeyShareEntry(NamedGroup Group, ReadOnlyMemory<byte> KeyExchange);
