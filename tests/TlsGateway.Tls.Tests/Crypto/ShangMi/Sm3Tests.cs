using System.Text;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm3Tests
{
    // GB/T 32905-2016 Appendix A, examples 1 and 2.
    private const string AbcDigest = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
    private const string Abcd16Digest = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732";

    private static readonly byte[] s_abcd16 = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcd", 16)));

    [Fact]
    public void Sm3_of_abc_matches_the_GB_T_32905_sample()
    {
        Assert.Equal(AbcDigest, Convert.ToHexStringLower(Sm3.HashData("abc"u8)));
    }

    [Fact]
    public void Sm3_of_abcd_sixteen_times_matches_the_GB_T_32905_sample()
    {
        Assert.Equal(Abcd16Digest, Convert.ToHexStringLower(Sm3.HashData(s_abcd16)));
    }

    [Fact]
    public void Sm3_of_nothing_matches_bouncy_castle()
    {
        Assert.Equal(BouncyShangMi.Sm3([]), Sm3.HashData([]));
    }

    [Fact]
    public void Sm3_matches_bouncy_castle_on_random_inputs_of_every_length_up_to_three_blocks()
    {
        var random = new Random(3290);
        for (int length = 0; length <= 192; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(BouncyShangMi.Sm3(data), Sm3.HashData(data));
        }
    }

    [Fact]
    public void An_incremental_hash_fed_in_pieces_equals_the_one_shot_hash()
    {
        using var hash = new Sm3Hash();
        hash.AppendData(s_abcd16.AsSpan(0, 7));
        hash.AppendData([]);
        hash.AppendData(s_abcd16.AsSpan(7));

        Assert.Equal(Abcd16Digest, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public void The_current_hash_does_not_finish_the_transcript()
    {
        using var hash = new Sm3Hash();
        hash.AppendData("ab"u8);
        byte[] soFar = hash.GetCurrentHash();
        hash.AppendData("c"u8);

        Assert.Equal(Sm3.HashData("ab"u8), soFar);
        Assert.Equal(AbcDigest, Convert.ToHexStringLower(hash.GetCurrentHash()));
        Assert.Equal(AbcDigest, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public void A_clone_forks_the_transcript_and_the_two_go_on_independently()
    {
        using var hash = new Sm3Hash();
        hash.AppendData("ab"u8);
        using Sm3Hash fork = hash.Clone();
        hash.AppendData("c"u8);
        fork.AppendData("d"u8);

        Assert.Equal(AbcDigest, Convert.ToHexStringLower(hash.GetHashAndReset()));
        Assert.Equal(Sm3.HashData("abd"u8), fork.GetHashAndReset());
    }

    [Fact]
    public void After_get_hash_and_reset_the_hash_starts_again_from_empty()
    {
        using var hash = new Sm3Hash();
        hash.AppendData("something else"u8);
        hash.GetHashAndReset();
        hash.AppendData("abc"u8);

        Assert.Equal(AbcDigest, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public void A_digest_buffer_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Sm3.HashData("abc"u8, new byte[31]));
        using var hash = new Sm3Hash();
        Assert.Throws<ArgumentException>(() => hash.GetCurrentHash(new byte[16]));
    }

    [Fact]
    public void A_disposed_hash_refuses_to_continue()
    {
        var hash = new Sm3Hash();
        hash.Dispose();

        Assert.Throws<ObjectDisposedException>(() => hash.AppendData("abc"u8));
    }
}
