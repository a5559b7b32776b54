namespace TlsGateway.Storage;

/// <summary>
/// A one-time enrolment token as stored: never the token itself, only its SHA-256, so reading
/// the database (or a backup of it) does not hand out identities.
/// </summary>
/// <param name="Hash">SHA-256 of the token's UTF-8 text, 64 lower-case hex digits.</param>
/// <param name="SpiffeId">The identity whoever presents the token may enrol as.</param>
/// <param name="CreatedBy">Who made it: "operator:&lt;user&gt;".</param>
/// <param name="UsedAt">When it was spent; null while it is still usable.</param>
/// <param name="UsedBy">Who spent it (the peer as the consumer describes it); null while unused.</param>
public sealed record BootstrapToken(
    string Hash,
    string SpiffeId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string CreatedBy,
    DateTimeOffset? UsedAt = null,
    string? UsedBy = null)
{
    /// <summary>A short, stable name for logs, audit events and listings: the first 12 hex digits of the hash.</summary>
    public string Id => IdOf(Hash);

    public static string IdOf(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
