namespace TlsGateway.Storage;

/// <summary>
/// Walks an audit chain one event at a time, shared by the synchronous and asynchronous
/// <see cref="AuditChain"/> entry points. Keeps counting after the first break so the result
/// says how much was read, but reports only the earliest break: everything after it is suspect.
/// </summary>
internal sealed class AuditChainVerifier(bool wholeLog = false)
{
    private long _count;
    private long _expectedSequence;
    private byte[]? _previousHash;
    private AuditBreak? _firstBreak;

    public AuditVerification Result => wholeLog && _count == 0
        ? new(0, new AuditBreak(1, AuditBreakKind.SequenceGap, "the audit log is empty: every event, the first included, is missing"))
        : new(_count, _firstBreak);

    public void Add(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        _count++;
        if (_firstBreak is not null)
        {
            return;
        }

        if (_previousHash is null)
        {
            // The first event read anchors the walk; from sequence 1 the anchor is known. For the
            // whole log the anchor is sequence 1 whatever comes first, so lost oldest events show.
            _expectedSequence = wholeLog ? 1 : auditEvent.Sequence;
            _previousHash = wholeLog || auditEvent.Sequence == 1 ? AuditChain.GenesisHash : auditEvent.PreviousHash;
        }

        _firstBreak = Check(auditEvent);
        _expectedSequence = auditEvent.Sequence + 1;
        _previousHash = auditEvent.Hash;
    }

    private AuditBreak? Check(AuditEvent auditEvent)
    {
        long sequence = auditEvent.Sequence;
        if (sequence != _expectedSequence)
        {
            return new AuditBreak(sequence, AuditBreakKind.SequenceGap, $"event {sequence} follows event {_expectedSequence - 1}; expected {_expectedSequence}");
        }

        if (auditEvent.PreviousHash.Length != AuditChain.HashSize || !auditEvent.PreviousHash.AsSpan().SequenceEqual(_previousHash))
        {
            return new AuditBreak(sequence, AuditBreakKind.PreviousHashMismatch, $"event {sequence} does not chain to the hash of the event before it");
        }

        if (!AuditChain.ComputeHash(auditEvent).AsSpan().SequenceEqual(auditEvent.Hash))
        {
            return new AuditBreak(sequence, AuditBreakKind.HashMismatch, $"event {sequence} does not match its stored hash: its fields were altered");
        }

        return null;
    }
}
