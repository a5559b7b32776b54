using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>An authenticated SDS client: its SPIFFE ID and the shared secrets it may read.</summary>
/// <param name="Description">How it was authenticated (for logs): "uid=1000 pid=42" or a certificate's SPIFFE ID.</param>
public sealed record SdsCaller(SpiffeId Identity, IReadOnlySet<string> ExtraResources, string Description)
{
    public override string ToString() => $"{Identity} ({Description})";
}
