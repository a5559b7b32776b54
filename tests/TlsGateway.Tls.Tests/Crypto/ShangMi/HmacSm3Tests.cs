using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class HmacSm3Tests
{
    [Fact]
    public void Hmac_sm3_of_the_RFC_4231_case_1_inputs_matches_openssl_and_bouncy_castle()
    {
        // RFC 4231 §4.2's key and data with SM3 in place of SHA-2; the expected value is
        // `openssl mac -digest SM3 HMAC`'s, and Bouncy Castle must agree.
        byte[] key = Enumerable.Repeat((byte)0x0b, 20).ToArray();
        byte[] mac = HmacSm3.HashData(key, "Hi There"u8);

        Assert.Equal("51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70", Convert.ToHexStringLower(mac));
        Assert.Equal(BouncyShangMi.HmacSm3(key, "Hi There"u8), mac);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void Hmac_sm3_matches_bouncy_castle_for_keys_shorter_equal_and_longer_than_a_block(int keyLength)
    {
        var random = new Random(keyLength);
        byte[] key = new byte[keyLength];
        random.NextBytes(key);
        for (int length = 0; length < 150; length += 7)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(BouncyShangMi.HmacSm3(key, data), HmacSm3.HashData(key, data));
        }
    }

    [Fact]
    public void An_hmac_instance_restarts_under_the_same_key_after_each_mac()
    {
        byte[] key = "key"u8.ToArray();
        using var hmac = new HmacSm3(key);
        hmac.AppendData("first"u8);
        byte[] first = hmac.GetHashAndReset();
        hmac.AppendData("sec"u8);
        hmac.AppendData("ond"u8);
        byte[] second = hmac.GetHashAndReset();

        Assert.Equal(HmacSm3.HashData(key, "first"u8), first);
        Assert.Equal(HmacSm3.HashData(key, "second"u8), second);
    }
}
