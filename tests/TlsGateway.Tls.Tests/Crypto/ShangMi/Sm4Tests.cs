using System.Buffers.Binary;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm4Tests
{
    // GB/T 32907-2016 Appendix A: key and plaintext are both 0123456789abcdeffedcba9876543210.
    private static readonly byte[] s_sample = Convert.FromHexString("0123456789abcdeffedcba9876543210");

    [Fact]
    public void Sm4_encrypts_the_GB_T_32907_sample_block()
    {
        using var sm4 = new Sm4(s_sample);
        byte[] output = new byte[16];
        sm4.EncryptBlock(s_sample, output);

        Assert.Equal("681edf34d206965e86b3e94f536e4246", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Sm4_encrypting_the_GB_T_32907_sample_a_million_times_matches_the_second_example()
    {
        using var sm4 = new Sm4(s_sample);
        byte[] block = s_sample.ToArray();
        for (int i = 0; i < 1_000_000; i++)
        {
            sm4.EncryptBlock(block, block);
        }

        Assert.Equal("595298c7c6fd271f0402f804c33d3f66", Convert.ToHexStringLower(block));
    }

    [Fact]
    public void Sm4_blocks_match_bouncy_castle_on_random_keys()
    {
        var random = new Random(32907);
        for (int i = 0; i < 50; i++)
        {
            byte[] key = new byte[16];
            byte[] blocks = new byte[16 * (1 + i % 5)];
            random.NextBytes(key);
            random.NextBytes(blocks);
            using var sm4 = new Sm4(key);
            byte[] output = new byte[blocks.Length];
            sm4.EncryptBlocks(blocks, output);

            for (int offset = 0; offset < blocks.Length; offset += 16)
            {
                Assert.Equal(BouncyShangMi.Sm4EncryptBlock(key, blocks.AsSpan(offset, 16)), output.AsSpan(offset, 16).ToArray());
            }
        }
    }

    [Fact]
    public void Gctr_wraps_the_low_32_bits_of_the_counter_without_carrying_into_the_nonce()
    {
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        byte[] counter = Convert.FromHexString("cafebabefacedbaddecaf888fffffffe");
        byte[] input = new byte[16 * 5 + 7];
        new Random(6).NextBytes(input);
        using var sm4 = new Sm4(key);
        byte[] output = new byte[input.Length];

        sm4.TransformGctr(counter, input, output);

        Assert.Equal(ExpectedGctr(key, counter, input), output);
    }

    [Fact]
    public void Ctr_carries_across_all_128_bits_so_it_parts_from_gctr_at_the_32_bit_wrap()
    {
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        byte[] counter = Convert.FromHexString("cafebabefacedbaddecaf888ffffffff");
        byte[] zeros = new byte[32];
        using var sm4 = new Sm4(key);
        byte[] ctr = new byte[32];
        byte[] gctr = new byte[32];

        sm4.TransformCtr(counter, zeros, ctr);
        sm4.TransformGctr(counter, zeros, gctr);

        Assert.Equal(gctr.AsSpan(0, 16).ToArray(), ctr.AsSpan(0, 16).ToArray());
        Assert.Equal(BouncyShangMi.Sm4EncryptBlock(key, Convert.FromHexString("cafebabefacedbaddecaf88900000000")), ctr.AsSpan(16).ToArray());
        Assert.Equal(BouncyShangMi.Sm4EncryptBlock(key, Convert.FromHexString("cafebabefacedbaddecaf88800000000")), gctr.AsSpan(16).ToArray());
    }

    [Fact]
    public void Counter_mode_works_in_place_and_restarts_its_keystream_on_every_call()
    {
        byte[] key = new byte[16];
        byte[] counter = new byte[16];
        byte[] data = new byte[40];
        new Random(7).NextBytes(data);
        byte[] original = data.ToArray();
        using var sm4 = new Sm4(key);

        sm4.TransformGctr(counter, data.AsSpan(0, 5), data.AsSpan(0, 5));
        sm4.TransformGctr(counter, data.AsSpan(0, 5), data.AsSpan(0, 5));
        sm4.TransformGctr(counter, data, data);
        sm4.TransformGctr(counter, data, data);

        Assert.Equal(original, data);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void A_key_that_is_not_16_bytes_is_refused(int length)
    {
        Assert.Throws<ArgumentException>(() => new Sm4(new byte[length]));
    }

    [Fact]
    public void Partly_overlapping_input_and_output_are_refused()
    {
        using var sm4 = new Sm4(new byte[16]);
        byte[] buffer = new byte[48];

        Assert.Throws<ArgumentException>(() => sm4.EncryptBlocks(buffer.AsSpan(0, 32), buffer.AsSpan(16, 32)));
        Assert.Throws<ArgumentException>(() => sm4.TransformCtr(new byte[16], buffer.AsSpan(0, 20), buffer.AsSpan(1, 20)));
    }

    [Fact]
    public void A_partial_block_is_refused_by_block_encryption()
    {
        using var sm4 = new Sm4(new byte[16]);

        Assert.Throws<ArgumentException>(() => sm4.EncryptBlocks(new byte[20], new byte[20]));
        Assert.Throws<ArgumentException>(() => sm4.EncryptBlock(new byte[15], new byte[16]));
    }

    // GCTR by the book (SP 800-38D §6.5) from Bouncy Castle's single-block SM4.
    private static byte[] ExpectedGctr(byte[] key, byte[] counter, byte[] input)
    {
        byte[] output = new byte[input.Length];
        byte[] block = counter.ToArray();
        for (int offset = 0; offset < input.Length; offset += 16)
        {
            byte[] keystream = BouncyShangMi.Sm4EncryptBlock(key, block);
            for (int i = offset; i < Math.Min(offset + 16, input.Length); i++)
            {
                output[i] = (byte)(input[i] ^ keystream[i - offset]);
            }

            uint low = BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(12));
            BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(12), unchecked(low + 1));
        }

        return output;
    }
}
