namespace TlsGateway.Storage;

/// <summary>An audit event to append. The store assigns sequence, time and hashes.</summary>
/// <param name="Kind">One of <see cref="AuditKinds"/>.</param>
/// <param name="Actor">Who asked: a SPIFFE ID, "operator:&lt;user&gt;", or "system".</param>
/// <param name="Subject">What it is about: a serial, a SPIFFE ID, a generation id.</param>
/// <param name="Detail">Free text for humans (reasons, TTLs). Never key material.</param>
public sealed record AuditEntry(string Kind, string Actor, string Subject, string Detail);
