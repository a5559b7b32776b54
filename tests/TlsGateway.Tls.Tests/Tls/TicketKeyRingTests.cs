using System.Security.Cryptography;

namespace TlsGateway.Tls.Tests;

public class TicketKeyRingTests
{
    private static ReadOnlyMemory<byte>[] Keys(int count, int length = TicketKeyRing.KeyLength) =>
        Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)RandomNumberGenerator.GetBytes(length)).ToArray();

    [Fact]
    public void A_new_ring_has_no_keys()
    {
        using var ring = new TicketKeyRing();

        Assert.Empty(ring.KeyNames);
    }

    [Fact]
    public void SetKeys_names_each_key_by_its_first_16_bytes_in_the_given_order()
    {
        using var ring = new TicketKeyRing();
        ReadOnlyMemory<byte>[] keys = Keys(3);

        ring.SetKeys(keys);

        Assert.Equal(keys.Select(k => Convert.ToHexString(k.Span[..16])), ring.KeyNames);
    }

    [Fact]
    public void SetKeys_accepts_the_maximum_number_of_keys()
    {
        using var ring = new TicketKeyRing();

        ring.SetKeys(Keys(TicketKeyRing.MaxKeys));

        Assert.Equal(TicketKeyRing.MaxKeys, ring.KeyNames.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void SetKeys_rejects_an_empty_or_oversized_ring_saying_how_many_keys_it_got(int count)
    {
        using var ring = new TicketKeyRing();

        var error = Assert.Throws<TlsConfigurationException>(() => ring.SetKeys(Keys(count)));

        Assert.Contains("1 to 8 keys", error.Message);
        Assert.Contains($"got {count}", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(48)]
    [InlineData(79)]
    [InlineData(81)]
    public void SetKeys_rejects_a_key_of_the_wrong_length_saying_which_key_and_what_length(int length)
    {
        using var ring = new TicketKeyRing();
        ReadOnlyMemory<byte>[] keys = [.. Keys(1), .. Keys(1, length)];

        var error = Assert.Throws<TlsConfigurationException>(() => ring.SetKeys(keys));

        Assert.Contains($"key 1 is {length} bytes", error.Message);
        Assert.Contains("exactly 80 bytes", error.Message);
    }

    [Fact]
    public void A_rejected_key_set_leaves_the_previous_keys_installed()
    {
        using var ring = new TicketKeyRing();
        ring.SetKeys(Keys(2));
        IReadOnlyList<string> before = ring.KeyNames;

        Assert.Throws<TlsConfigurationException>(() => ring.SetKeys(Keys(1, 79)));

        Assert.Equal(before, ring.KeyNames);
    }

    [Fact]
    public void CreateRandom_holds_one_key_named_by_32_hex_characters()
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();

        string name = Assert.Single(ring.KeyNames);
        Assert.Matches("^[0-9A-F]{32}$", name);
    }

    [Fact]
    public void Rotate_puts_the_new_key_first_and_keeps_at_most_the_requested_number()
    {
        using var ring = new TicketKeyRing();

        ring.Rotate(keep: 2);
        string first = Assert.Single(ring.KeyNames);
        ring.Rotate(keep: 2);
        IReadOnlyList<string> afterSecond = ring.KeyNames;
        ring.Rotate(keep: 2);
        IReadOnlyList<string> afterThird = ring.KeyNames;

        Assert.Equal(2, afterSecond.Count);
        Assert.Equal(first, afterSecond[1]);
        Assert.Equal(2, afterThird.Count);
        Assert.Equal(afterSecond[0], afterThird[1]);
        Assert.DoesNotContain(first, afterThird);
        Assert.All(afterThird, name => Assert.Matches("^[0-9A-F]{32}$", name));
        Assert.Equal(3, new[] { first, afterThird[0], afterThird[1] }.Distinct().Count());
    }

    [Fact]
    public void Rotate_never_keeps_fewer_than_one_key()
    {
        using var ring = new TicketKeyRing();

        ring.Rotate(keep: 0);
        ring.Rotate(keep: 0);

        Assert.Single(ring.KeyNames);
    }

    [Fact]
    public void A_ring_continued_from_handed_over_keys_has_the_same_keys_in_the_same_order_and_rotates_on()
    {
        using var old = new TicketKeyRing();
        old.Rotate(keep: 2);
        old.Rotate(keep: 2);
        byte[] exported = old.ExportGenerated()!;

        using TicketKeyRing continued = TicketKeyRing.ContinueFrom(exported);
        Assert.Equal(old.KeyNames, continued.KeyNames);
        Assert.Equal(exported, continued.ExportGenerated());

        continued.Rotate(keep: 2);
        Assert.Equal(old.KeyNames[0], continued.KeyNames[1]);
    }

    [Fact]
    public void A_ring_fed_a_fleets_keys_exports_nothing_because_the_next_process_reads_them_itself()
    {
        using var ring = new TicketKeyRing();
        ring.SetKeys([new byte[TicketKeyRing.KeyLength]]);

        Assert.Null(ring.ExportGenerated());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(79)]
    [InlineData(81)]
    [InlineData(9 * 80)]
    public void Handed_over_keys_of_the_wrong_size_are_refused(int length)
    {
        var e = Assert.Throws<TlsConfigurationException>(() => TicketKeyRing.ContinueFrom(new byte[length]));
        Assert.Contains($"{length} bytes", e.Message);
    }
}
