namespace TlsGateway.Storage;

/// <summary>How a link of the audit chain is broken.</summary>
public enum AuditBreakKind
{
    /// <summary>The sequence is not the previous one plus one: an event was removed or reordered.</summary>
    SequenceGap = 0,
    /// <summary>The stored previous hash is not the previous event's hash.</summary>
    PreviousHashMismatch = 1,
    /// <summary>The stored hash is not the hash of the event's fields: the event was altered.</summary>
    HashMismatch = 2,
}
