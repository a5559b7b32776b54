using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class HkdfSm3Tests
{
    // RFC 5869 Appendix A.1's inputs with SM3 in place of SHA-256. The expected values are
    // OpenSSL's own HKDF (`openssl kdf -kdfopt digest:SM3 HKDF`), an implementation that shares
    // nothing with the managed one here but HMAC; Bouncy Castle is checked too.
    private static readonly byte[] s_ikm = Enumerable.Repeat((byte)0x0b, 22).ToArray();
    private static readonly byte[] s_salt = Convert.FromHexString("000102030405060708090a0b0c");
    private static readonly byte[] s_info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");

    [Fact]
    public void Hkdf_extract_of_the_RFC_5869_case_1_inputs_matches_openssl()
    {
        byte[] prk = new byte[32];
        HkdfSm3.Extract(s_ikm, s_salt, prk);

        Assert.Equal("e0d6f7b0bd056327b7659f1f39ad850561fbcf4fb10fb58e88eafa55cf7cd01e", Convert.ToHexStringLower(prk));
    }

    [Fact]
    public void Hkdf_of_the_RFC_5869_case_1_inputs_matches_openssl_and_bouncy_castle()
    {
        byte[] okm = new byte[42];
        HkdfSm3.DeriveKey(s_ikm, okm, s_salt, s_info);

        Assert.Equal("c69fe91b7aaee2dd5718d72dcaee0cce93f1b8e41f792da51261b6a517e68b36ed2c595572b01dfa359b", Convert.ToHexStringLower(okm));
        Assert.Equal(BouncyShangMi.HkdfSm3(s_ikm, s_salt, s_info, 42), okm);
    }

    [Fact]
    public void An_empty_salt_is_32_zero_bytes()
    {
        byte[] withEmpty = new byte[32];
        byte[] withZeros = new byte[32];
        HkdfSm3.Extract(s_ikm, [], withEmpty);
        HkdfSm3.Extract(s_ikm, new byte[32], withZeros);

        Assert.Equal(withZeros, withEmpty);
    }

    [Fact]
    public void Hkdf_matches_bouncy_castle_on_random_inputs_and_lengths()
    {
        var random = new Random(5869);
        foreach (int length in new[] { 0, 1, 31, 32, 33, 64, 100, HkdfSm3.MaxOutputLength })
        {
            byte[] ikm = new byte[random.Next(0, 80)];
            byte[] salt = new byte[random.Next(0, 80)];
            byte[] info = new byte[random.Next(0, 80)];
            random.NextBytes(ikm);
            random.NextBytes(salt);
            random.NextBytes(info);
            byte[] okm = new byte[length];

            HkdfSm3.DeriveKey(ikm, okm, salt, info);

            Assert.Equal(BouncyShangMi.HkdfSm3(ikm, salt, info, length), okm);
        }
    }

    [Fact]
    public void Expand_refuses_more_than_255_hash_lengths_and_a_short_prk()
    {
        Assert.Throws<ArgumentException>(() => HkdfSm3.Expand(new byte[32], new byte[HkdfSm3.MaxOutputLength + 1], []));
        Assert.Throws<ArgumentException>(() => HkdfSm3.Expand(new byte[31], new byte[16], []));
    }

    [Fact]
    public void Expand_refuses_an_output_that_overlaps_its_inputs()
    {
        byte[] buffer = new byte[96];
        Assert.Throws<ArgumentException>(() => HkdfSm3.Expand(buffer.AsSpan(0, 32), buffer.AsSpan(16, 32), []));
        Assert.Throws<ArgumentException>(() => HkdfSm3.Expand(buffer.AsSpan(0, 32), buffer.AsSpan(40, 32), buffer.AsSpan(50, 10)));
    }
}
