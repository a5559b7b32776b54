namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The ClientHello's pre_shared_key extension (RFC 8446 §4.2.11): identities and one binder per
/// identity, in the same order. Where the binders start inside the ClientHello is on
/// <see cref="ClientHello.BindersOffset"/>: the binder is an HMAC over the transcript up to and
/// including the identities (§4.2.11.2), so it cannot be computed from this record alone.
/// </summary>
public sealed record OfferedPsks(IReadOnlyList<PskIdentity> Identities, IReadOnlyList<ReadOnlyMemory<byte>> Binders)
{
    /// <summary>The encoded length of the binders vector, its two-byte length included.</summary>
    public int BindersLength => 2 + Binders.Sum(b => 1 + b.Length);
}
