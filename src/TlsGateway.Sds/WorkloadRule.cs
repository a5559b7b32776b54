namespace TlsGateway.Sds;

/// <summary>
/// One line of the SDS caller policy: which local processes (by uid, gid, user name or
/// executable; every given field must match) get which SPIFFE ID, and which shared secrets
/// beyond their own `default` and `ROOTCA` they may read.
/// </summary>
/// <param name="Identity">
/// The SPIFFE ID to grant; "{user}" and "{uid}" are replaced by the caller's user name and uid
/// (e.g. spiffe://example.org/ns/default/sa/{user}).
/// </param>
/// <param name="Resources">Extra resource names: `session-ticket-keys`, named certificates.</param>
public sealed record WorkloadRule(uint? Uid, uint? Gid, string? User, string? Executable, string Identity, IReadOnlyList<string> Resources);
