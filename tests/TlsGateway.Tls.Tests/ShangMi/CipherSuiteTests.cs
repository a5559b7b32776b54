using TlsGateway.Crypto.Tests.ShangMi;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi;

public sealed class CipherSuiteTests
{
    [Fact]
    public void The_engine_has_exactly_the_two_rfc_8998_suites_and_tls_aes_128_gcm_sha256()
    {
        Assert.Equal([(ushort)0x00C6, (ushort)0x00C7, (ushort)0x1301], Tls13CipherSuite.All.Select(s => s.Id));
        Assert.Same(Tls13CipherSuite.Sm4CcmSm3, Tls13CipherSuite.Find(0x00C7));
        Assert.Null(Tls13CipherSuite.Find(0x1302));
        Assert.All(Tls13CipherSuite.All, s => Assert.Equal((32, 16, 12, 16), (s.HashLength, s.KeyLength, s.IvLength, s.TagLength)));
        Assert.Equal([true, true, false], Tls13CipherSuite.All.Select(s => s.IsShangMi));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_suite_aeads_reproduce_rfc_8998_appendix_a(bool ccm)
    {
        Tls13CipherSuite suite = ccm ? Tls13CipherSuite.Sm4CcmSm3 : Tls13CipherSuite.Sm4GcmSm3;
        using Tls13Aead aead = suite.CreateAead(Rfc8998Vectors.Key);
        byte[] ciphertext = new byte[Rfc8998Vectors.Plaintext.Length];
        byte[] tag = new byte[16];

        aead.Seal(Rfc8998Vectors.Nonce, Rfc8998Vectors.Plaintext, Rfc8998Vectors.AssociatedData, ciphertext, tag);

        Assert.Equal(ccm ? Rfc8998Vectors.CcmCiphertext : Rfc8998Vectors.GcmCiphertext, Convert.ToHexString(ciphertext));
        Assert.Equal(ccm ? Rfc8998Vectors.CcmTag : Rfc8998Vectors.GcmTag, Convert.ToHexString(tag));
        byte[] plaintext = new byte[ciphertext.Length];
        Assert.True(aead.Open(Rfc8998Vectors.Nonce, ciphertext, tag, Rfc8998Vectors.AssociatedData, plaintext));
        tag[0] ^= 1;
        Assert.False(aead.Open(Rfc8998Vectors.Nonce, ciphertext, tag, Rfc8998Vectors.AssociatedData, plaintext));
        Assert.All(plaintext, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_wrong_aes_gcm_tag_is_a_false_result_with_the_plaintext_zeroed_not_an_exception()
    {
        using Tls13Aead aead = Tls13CipherSuite.Aes128GcmSha256.CreateAead(new byte[16]);
        byte[] ciphertext = new byte[8];
        byte[] tag = new byte[16];
        byte[] plaintext = [1, 2, 3, 4, 5, 6, 7, 8];

        Assert.False(aead.Open(new byte[12], ciphertext, tag, [], plaintext));
        Assert.All(plaintext, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0x00C6)]
    [InlineData(0x1301)]
    public void A_cloned_transcript_forks_without_disturbing_the_original(int id)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Find((ushort)id)!;
        using Tls13Hash transcript = suite.CreateTranscriptHash();
        transcript.AppendData("client hello"u8);
        using Tls13Hash fork = transcript.Clone();
        fork.AppendData("binders"u8);
        transcript.AppendData("server hello"u8);

        byte[] expected = new byte[32];
        suite.Hash.HashData("client helloserver hello"u8, expected);
        Assert.Equal(expected, transcript.GetCurrentHash());
        suite.Hash.HashData("client hellobinders"u8, expected);
        Assert.Equal(expected, fork.GetCurrentHash());
    }
}
