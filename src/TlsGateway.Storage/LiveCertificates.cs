namespace TlsGateway.Storage;

/// <summary>How many of a generation's certificates are still valid, and when the last of them expires.</summary>
public sealed record LiveCertificates(int Count, DateTimeOffset? LastNotAfter);
