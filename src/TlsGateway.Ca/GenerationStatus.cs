using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>A generation as `tlsgw ca status` shows it.</summary>
/// <param name="LiveLeaves">Leaves it signed that have not expired (revoked ones included: they are still in CRLs).</param>
/// <param name="LastLeafNotAfter">When the last of them expires: the earliest moment a Retiring generation can retire.</param>
public sealed record GenerationStatus(CaGeneration Generation, string RootFingerprint, DateTimeOffset RootNotAfter, int LiveLeaves, DateTimeOffset? LastLeafNotAfter);
