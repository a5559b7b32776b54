namespace TlsGateway.Edge;

/// <summary>A certificate a filter chain serves, as facts captured when the chain was built (for /metrics and the admin API).</summary>
public sealed record ServedCertificate(string Listener, string Chain, string Subject, string Serial, DateTimeOffset NotAfter);
