namespace TlsGateway.Tls.ShangMi;

/// <summary>A PskIdentity (RFC 8446 §4.2.11): a ticket (or external label) and its obfuscated age.</summary>
public sealed record PskIdentity(ReadOnlyMemory<byte> Identity, uint ObfuscatedTicketAge);
