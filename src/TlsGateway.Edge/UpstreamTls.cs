using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>A chain's built upstream TLS: the client context and what each connection offers.</summary>
public sealed record UpstreamTls(TlsClientContext Context, string? ServerName, IReadOnlyList<string> Alpn);
