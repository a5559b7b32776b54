namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One extension as it appeared on the wire (RFC 8446 §4.2): its type and its extension_data,
/// kept byte for byte so that a parsed message writes back identically and unknown extensions
/// survive (the transcript hashes what was received, not what we understood of it).
/// </summary>
public sealed record TlsExtension(ExtensionType Type, ReadOnlyMemory<byte> Data);
