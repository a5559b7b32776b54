namespace TlsGateway.Crypto.Tests.ShangMi;

/// <summary>The rules SM4-GCM and SM4-CCM share, each test run for both (ccm: false is GCM).</summary>
public sealed class Sm4AeadTests
{
    private static readonly int[] s_lengths = [0, 1, 5, 15, 16, 17, 31, 32, 33, 100, 255, 256, 1000, 4096 + 3];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sealing_matches_bouncy_castle_on_random_keys_nonces_data_and_lengths(bool ccm)
    {
        var random = new Random(ccm ? 38 : 8998);
        foreach (int length in s_lengths)
        {
            foreach (int aadLength in new[] { 0, 5, 13, 16, 40 })
            {
                byte[] key = RandomBytes(random, 16);
                byte[] nonce = RandomBytes(random, 12);
                byte[] plaintext = RandomBytes(random, length);
                byte[] aad = RandomBytes(random, aadLength);
                using var aead = new Sm4AeadUnderTest(ccm, key);

                byte[] sealedRecord = aead.Seal(nonce, plaintext, aad);

                Assert.Equal(BouncyShangMi.Seal(ccm, key, nonce, plaintext, aad), sealedRecord);
                byte[] opened = new byte[length];
                Assert.True(aead.Open(nonce, sealedRecord.AsSpan(0, length), sealedRecord.AsSpan(length), aad, opened));
                Assert.Equal(plaintext, opened);
            }
        }
    }

    public static TheoryData<bool, string> Tamperings()
    {
        var data = new TheoryData<bool, string>();
        foreach (bool ccm in new[] { false, true })
        {
            foreach (string what in new[] { "tag", "ciphertext", "aad", "nonce", "key" })
            {
                data.Add(ccm, what);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void A_flipped_bit_anywhere_fails_to_open_and_leaves_no_plaintext(bool ccm, string what)
    {
        var random = new Random(what.Length);
        byte[] key = RandomBytes(random, 16);
        byte[] nonce = RandomBytes(random, 12);
        byte[] plaintext = RandomBytes(random, 45);
        byte[] aad = RandomBytes(random, 13);
        byte[] ciphertext = new byte[plaintext.Length];
        byte[] tag = new byte[16];
        using (var aead = new Sm4AeadUnderTest(ccm, key))
        {
            aead.Seal(nonce, plaintext, aad, ciphertext, tag);
        }

        byte[] target = what switch
        {
            "tag" => tag,
            "ciphertext" => ciphertext,
            "aad" => aad,
            "nonce" => nonce,
            _ => key,
        };
        target[random.Next(target.Length)] ^= (byte)(1 << random.Next(8));

        using var opener = new Sm4AeadUnderTest(ccm, key);
        byte[] output = RandomBytes(random, plaintext.Length);
        Assert.False(opener.Open(nonce, ciphertext, tag, aad, output));
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_empty_record_with_only_associated_data_is_authenticated(bool ccm)
    {
        using var aead = new Sm4AeadUnderTest(ccm, new byte[16]);
        byte[] nonce = new byte[12];
        byte[] tag = new byte[16];
        aead.Seal(nonce, [], "header"u8, [], tag);

        Assert.True(aead.Open(nonce, [], tag, "header"u8, []));
        Assert.False(aead.Open(nonce, [], tag, "Header"u8, []));
    }

    [Theory]
    [InlineData(false, 15)]
    [InlineData(false, 17)]
    [InlineData(true, 0)]
    [InlineData(true, 32)]
    public void A_key_that_is_not_16_bytes_is_refused(bool ccm, int length)
    {
        Assert.Throws<ArgumentException>(() => new Sm4AeadUnderTest(ccm, new byte[length]));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 8)]
    [InlineData(false, 16)]
    [InlineData(true, 7)]
    [InlineData(true, 13)]
    public void A_nonce_that_is_not_12_bytes_is_refused(bool ccm, int length)
    {
        using var aead = new Sm4AeadUnderTest(ccm, new byte[16]);

        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[length], new byte[4], [], new byte[4], new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Open(new byte[length], new byte[4], new byte[16], [], new byte[4]));
    }

    [Theory]
    [InlineData(false, 12)]
    [InlineData(true, 8)]
    [InlineData(true, 17)]
    public void A_tag_that_is_not_16_bytes_is_refused(bool ccm, int length)
    {
        using var aead = new Sm4AeadUnderTest(ccm, new byte[16]);

        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[12], new byte[4], [], new byte[4], new byte[length]));
        Assert.Throws<ArgumentException>(() => aead.Open(new byte[12], new byte[4], new byte[length], [], new byte[4]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_output_of_another_length_or_partly_overlapping_the_input_is_refused(bool ccm)
    {
        using var aead = new Sm4AeadUnderTest(ccm, new byte[16]);
        byte[] buffer = new byte[64];

        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[12], new byte[10], [], new byte[11], new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[12], buffer.AsSpan(0, 20), [], buffer.AsSpan(4, 20), new byte[16]));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
