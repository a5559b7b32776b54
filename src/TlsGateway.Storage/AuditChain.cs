using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TlsGateway.Storage;

/// <summary>
/// The hash chain over the audit log. Each event's hash is SHA-256 over a canonical encoding of
/// the previous event's hash and this event's fields, so changing, dropping or reordering any
/// stored event breaks its own link or the next one.
/// </summary>
/// <remarks>
/// Encoding (all integers big-endian), chosen so no two field lists encode to the same bytes:
/// <code>
/// u32 len ‖ "tlsgw-audit-v1"      domain separation, and a version to change the format later
/// previous hash                   exactly 32 bytes (32 zero bytes before the first event)
/// i64 sequence
/// i64 time                        UTC Unix milliseconds
/// u32 len ‖ UTF-8 kind, actor, subject, detail
/// </code>
/// Non-goal: signing. A chain proves order and integrity against edits made without recomputing
/// every later hash; anchoring the head elsewhere (logs, exports) is what defeats a full rewrite.
/// </remarks>
public static class AuditChain
{
    public const int HashSize = 32;

    private static readonly byte[] s_domain = "tlsgw-audit-v1"u8.ToArray();

    /// <summary>The previous hash of the first event: 32 zero bytes. A fresh copy each time.</summary>
    public static byte[] GenesisHash => new byte[HashSize];

    public static byte[] ComputeHash(byte[] previousHash, long sequence, DateTimeOffset time, string kind, string actor, string subject, string detail)
    {
        ArgumentNullException.ThrowIfNull(previousHash);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(detail);
        if (previousHash.Length != HashSize)
        {
            throw new ArgumentException($"a previous hash is {HashSize} bytes, not {previousHash.Length}", nameof(previousHash));
        }

        int length = 4 + s_domain.Length + HashSize + 8 + 8
            + 4 + Encoding.UTF8.GetByteCount(kind)
            + 4 + Encoding.UTF8.GetByteCount(actor)
            + 4 + Encoding.UTF8.GetByteCount(subject)
            + 4 + Encoding.UTF8.GetByteCount(detail);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> output = buffer.AsSpan(0, length);
            int offset = WriteBytes(output, 0, s_domain);
            previousHash.CopyTo(output[offset..]);
            offset += HashSize;
            BinaryPrimitives.WriteInt64BigEndian(output[offset..], sequence);
            offset += 8;
            BinaryPrimitives.WriteInt64BigEndian(output[offset..], time.ToUnixTimeMilliseconds());
            offset += 8;
            offset = WriteString(output, offset, kind);
            offset = WriteString(output, offset, actor);
            offset = WriteString(output, offset, subject);
            offset = WriteString(output, offset, detail);
            return SHA256.HashData(output[..offset]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Recomputes the hash of a stored event from its own fields.</summary>
    public static byte[] ComputeHash(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return ComputeHash(auditEvent.PreviousHash, auditEvent.Sequence, auditEvent.Time, auditEvent.Kind, auditEvent.Actor, auditEvent.Subject, auditEvent.Detail);
    }

    /// <summary>
    /// Checks every link of <paramref name="events"/>, given in sequence order. A chain that starts
    /// at sequence 1 must start from <see cref="GenesisHash"/>; a chain read from a later sequence
    /// is checked from its first event's previous hash on (that first link cannot be checked).
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var verifier = new AuditChainVerifier();
        foreach (AuditEvent auditEvent in events)
        {
            verifier.Add(auditEvent);
        }

        return verifier.Result;
    }

    /// <inheritdoc cref="Verify"/>
    /// <param name="wholeLog">
    /// The events are the whole log: it must start at sequence 1 from <see cref="GenesisHash"/>
    /// and must not be empty, so deleting the oldest events (or all of them) is a break too.
    /// </param>
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditEvent> events, CancellationToken cancellationToken = default,
        bool wholeLog = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        var verifier = new AuditChainVerifier(wholeLog);
        await foreach (AuditEvent auditEvent in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            verifier.Add(auditEvent);
        }

        return verifier.Result;
    }

    private static int WriteString(Span<byte> output, int offset, string value)
    {
        int written = Encoding.UTF8.GetBytes(value, output[(offset + 4)..]);
        BinaryPrimitives.WriteUInt32BigEndian(output[offset..], (uint)written);
        return offset + 4 + written;
    }

    private static int WriteBytes(Span<byte> output, int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output[offset..], (uint)value.Length);
        value.CopyTo(output[(offset + 4)..]);
        return offset + 4 + value.Length;
    }
}
