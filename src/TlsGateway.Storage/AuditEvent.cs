namespace TlsGateway.Storage;

/// <summary>
/// A stored audit event. <see cref="Hash"/> = SHA-256 over <see cref="PreviousHash"/> and this
/// event's fields (see <see cref="AuditChain"/>), so altering, removing or reordering any event
/// breaks every later link.
/// </summary>
public sealed record AuditEvent(
    long Sequence,
    DateTimeOffset Time,
    string Kind,
    string Actor,
    string Subject,
    string Detail,
    byte[] PreviousHash,
    byte[] Hash);
