namespace TlsGateway.Storage;

/// <summary>The first broken link of an audit chain.</summary>
/// <param name="Sequence">The sequence of the event at which the chain stops verifying.</param>
public sealed record AuditBreak(long Sequence, AuditBreakKind Kind, string Message);
