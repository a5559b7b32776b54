using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm4CcmTests
{
    [Fact]
    public void Sm4_ccm_seals_the_RFC_8998_appendix_A_2_vector()
    {
        using var ccm = new Sm4Ccm(Rfc8998Vectors.Key);
        byte[] ciphertext = new byte[Rfc8998Vectors.Plaintext.Length];
        byte[] tag = new byte[16];
        ccm.Seal(Rfc8998Vectors.Nonce, Rfc8998Vectors.Plaintext, Rfc8998Vectors.AssociatedData, ciphertext, tag);

        Assert.Equal(Rfc8998Vectors.CcmCiphertext, Convert.ToHexString(ciphertext));
        Assert.Equal(Rfc8998Vectors.CcmTag, Convert.ToHexString(tag));
    }

    [Fact]
    public void Sm4_ccm_opens_the_RFC_8998_appendix_A_2_vector()
    {
        using var ccm = new Sm4Ccm(Rfc8998Vectors.Key);
        byte[] plaintext = new byte[Rfc8998Vectors.Plaintext.Length];
        bool opened = ccm.Open(Rfc8998Vectors.Nonce, Convert.FromHexString(Rfc8998Vectors.CcmCiphertext), Convert.FromHexString(Rfc8998Vectors.CcmTag),
            Rfc8998Vectors.AssociatedData, plaintext);

        Assert.True(opened);
        Assert.Equal(Rfc8998Vectors.Plaintext, plaintext);
    }

    [Fact]
    public void Associated_data_past_the_two_byte_length_encoding_matches_bouncy_castle()
    {
        // 0xFF00 bytes and up are encoded as FF FE and four bytes (SP 800-38C §A.2.2).
        var random = new Random(3610);
        byte[] key = new byte[16];
        byte[] nonce = new byte[12];
        byte[] plaintext = new byte[77];
        random.NextBytes(key);
        random.NextBytes(nonce);
        random.NextBytes(plaintext);
        using var ccm = new Sm4AeadUnderTest(ccm: true, key);

        foreach (int aadLength in new[] { 0xFEFF, 0xFF00, 0x10005 })
        {
            byte[] aad = new byte[aadLength];
            random.NextBytes(aad);
            Assert.Equal(BouncyShangMi.Seal(ccm: true, key, nonce, plaintext, aad), ccm.Seal(nonce, plaintext, aad));
        }
    }

    [Fact]
    public void A_message_of_2_to_the_24_bytes_or_more_is_refused()
    {
        using var ccm = new Sm4Ccm(new byte[16]);
        byte[] big = new byte[Sm4Ccm.MaxPlaintextLength + 1];

        Assert.Throws<ArgumentException>(() => ccm.Seal(new byte[12], big, [], big, new byte[16]));
    }
}
