namespace TlsGateway.Sds;

/// <summary>How <see cref="IstioCaService"/> treats Istio's request extras. Immutable; defaults match istiod.</summary>
public sealed record IstioCaOptions
{
    public static readonly IstioCaOptions Default = new();

    /// <summary>
    /// The cluster this CA serves. A request with a <c>ClusterID</c> header must name it
    /// (istio-agent sends its own cluster); istiod's default cluster name is "Kubernetes".
    /// </summary>
    public string ClusterId { get; init; } = "Kubernetes";

    /// <summary>
    /// SPIFFE ID paths of node agents: callers whose path starts with one of these may ask, via the
    /// <c>ImpersonatedIdentity</c> metadata field, for a workload on their node (the ztunnel model).
    /// </summary>
    public IReadOnlyList<string> NodeAgentPathPrefixes { get; init; } = ["/agent/"];
}
