using System.Security.Cryptography;
using System.Text;

namespace TlsGateway.Storage.Tests;

public class AuditChainTests
{
    private static readonly DateTimeOffset s_time = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static List<AuditEvent> Chain(int count)
    {
        var events = new List<AuditEvent>();
        byte[] previous = AuditChain.GenesisHash;
        for (long sequence = 1; sequence <= count; sequence++)
        {
            DateTimeOffset time = s_time.AddSeconds(sequence);
            string detail = $"event {sequence}";
            byte[] hash = AuditChain.ComputeHash(previous, sequence, time, AuditKinds.Issue, "system", "subject", detail);
            events.Add(new AuditEvent(sequence, time, AuditKinds.Issue, "system", "subject", detail, previous, hash));
            previous = hash;
        }

        return events;
    }

    [Fact]
    public async Task Verifying_the_whole_log_catches_deleted_oldest_events_and_an_emptied_log()
    {
        List<AuditEvent> chain = Chain(6);

        AuditVerification intact = await AuditChain.VerifyAsync(chain.ToAsyncEnumerable(), wholeLog: true);
        AuditVerification headless = await AuditChain.VerifyAsync(chain.Skip(3).ToAsyncEnumerable(), wholeLog: true);
        AuditVerification empty = await AuditChain.VerifyAsync(AsyncEnumerable.Empty<AuditEvent>(), wholeLog: true);
        AuditVerification suffixOnly = await AuditChain.VerifyAsync(chain.Skip(3).ToAsyncEnumerable());

        Assert.True(intact.Ok);
        Assert.Equal(AuditBreakKind.SequenceGap, headless.FirstBreak?.Kind);
        Assert.Equal(4, headless.FirstBreak?.Sequence);
        Assert.False(empty.Ok);
        Assert.True(suffixOnly.Ok, "a suffix read on purpose (export --from) verifies from its first event");
    }

    [Fact]
    public void The_genesis_previous_hash_is_32_zero_bytes()
    {
        Assert.Equal(new byte[32], AuditChain.GenesisHash);
    }

    [Fact]
    public void The_hash_is_sha256_over_the_documented_length_prefixed_big_endian_encoding()
    {
        byte[] previous = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var expected = new List<byte>();
        void Field(byte[] value)
        {
            expected.AddRange([(byte)(value.Length >> 24), (byte)(value.Length >> 16), (byte)(value.Length >> 8), (byte)value.Length]);
            expected.AddRange(value);
        }

        Field(Encoding.ASCII.GetBytes("tlsgw-audit-v1"));
        expected.AddRange(previous);
        expected.AddRange([0, 0, 0, 0, 0, 0, 1, 2]);
        expected.AddRange(BitConverter.GetBytes(s_time.ToUnixTimeMilliseconds()).Reverse());
        Field("revoke"u8.ToArray());
        Field("operator:ann"u8.ToArray());
        Field("1f"u8.ToArray());
        Field(Encoding.UTF8.GetBytes("clé compromise"));

        byte[] hash = AuditChain.ComputeHash(previous, 258, s_time, "revoke", "operator:ann", "1f", "clé compromise");

        Assert.Equal(SHA256.HashData(expected.ToArray()), hash);
    }

    [Fact]
    public void Moving_text_between_adjacent_fields_changes_the_hash()
    {
        byte[] genesis = AuditChain.GenesisHash;

        byte[] one = AuditChain.ComputeHash(genesis, 1, s_time, "issue", "ab", "c", "");
        byte[] other = AuditChain.ComputeHash(genesis, 1, s_time, "issue", "a", "bc", "");

        Assert.NotEqual(one, other);
    }

    [Fact]
    public void Times_differing_below_a_millisecond_hash_the_same()
    {
        byte[] genesis = AuditChain.GenesisHash;

        Assert.Equal(
            AuditChain.ComputeHash(genesis, 1, s_time, "issue", "a", "b", "c"),
            AuditChain.ComputeHash(genesis, 1, s_time.AddTicks(9_999), "issue", "a", "b", "c"));
    }

    [Fact]
    public void A_previous_hash_of_the_wrong_length_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => AuditChain.ComputeHash(new byte[31], 1, s_time, "issue", "a", "b", "c"));
    }

    [Fact]
    public void An_empty_log_verifies()
    {
        AuditVerification verification = AuditChain.Verify([]);

        Assert.Equal((true, 0L), (verification.Ok, verification.Count));
    }

    [Fact]
    public void An_intact_chain_verifies_and_counts_every_event()
    {
        AuditVerification verification = AuditChain.Verify(Chain(20));

        Assert.Equal((true, 20L, (AuditBreak?)null), (verification.Ok, verification.Count, verification.FirstBreak));
    }

    [Fact]
    public void An_altered_event_is_reported_as_a_hash_mismatch_at_its_sequence()
    {
        List<AuditEvent> events = Chain(10);
        events[4] = events[4] with { Actor = "someone else" };

        AuditVerification verification = AuditChain.Verify(events);

        Assert.Equal((5L, AuditBreakKind.HashMismatch), (verification.FirstBreak!.Sequence, verification.FirstBreak.Kind));
        Assert.Equal(10, verification.Count);
    }

    [Fact]
    public void A_removed_event_is_reported_as_a_sequence_gap_at_the_event_after_it()
    {
        List<AuditEvent> events = Chain(10);
        events.RemoveAt(6);

        AuditVerification verification = AuditChain.Verify(events);

        Assert.Equal((8L, AuditBreakKind.SequenceGap), (verification.FirstBreak!.Sequence, verification.FirstBreak.Kind));
    }

    [Fact]
    public void An_event_rehashed_onto_a_different_predecessor_is_reported_as_a_previous_hash_mismatch()
    {
        List<AuditEvent> events = Chain(10);
        AuditEvent forged = events[3] with { PreviousHash = new byte[32] };
        events[3] = forged with { Hash = AuditChain.ComputeHash(forged) };

        AuditVerification verification = AuditChain.Verify(events);

        Assert.Equal((4L, AuditBreakKind.PreviousHashMismatch), (verification.FirstBreak!.Sequence, verification.FirstBreak.Kind));
    }

    [Fact]
    public void A_chain_starting_at_sequence_one_must_start_from_the_genesis_hash()
    {
        List<AuditEvent> events = Chain(3);
        AuditEvent forged = events[0] with { PreviousHash = Enumerable.Repeat((byte)1, 32).ToArray() };
        events[0] = forged with { Hash = AuditChain.ComputeHash(forged) };

        Assert.Equal(AuditBreakKind.PreviousHashMismatch, AuditChain.Verify(events).FirstBreak!.Kind);
    }

    [Fact]
    public async Task A_suffix_of_the_log_verifies_from_its_first_event_on()
    {
        AuditVerification verification = await AuditChain.VerifyAsync(Chain(10).Skip(4).ToAsyncEnumerable());

        Assert.Equal((true, 6L), (verification.Ok, verification.Count));
    }
}
