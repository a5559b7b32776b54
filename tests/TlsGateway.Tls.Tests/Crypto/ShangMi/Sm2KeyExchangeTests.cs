using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm2KeyExchangeTests
{
    [Fact]
    public void Two_parties_derive_the_same_32_byte_secret()
    {
        using var client = new Sm2KeyExchange();
        using var server = new Sm2KeyExchange();

        byte[] clientSecret = client.DeriveSharedSecret(server.KeyShare);
        byte[] serverSecret = server.DeriveSharedSecret(client.KeyShare);

        Assert.Equal(65, client.KeyShare.Length);
        Assert.Equal(0x04, client.KeyShare[0]);
        Assert.Equal(32, clientSecret.Length);
        Assert.Equal(clientSecret, serverSecret);
        Assert.NotEqual(new byte[32], clientSecret);
    }

    [Fact]
    public void Our_ecdh_agrees_with_bouncy_castle_on_the_sm2_curve()
    {
        for (int i = 0; i < 20; i++)
        {
            using var ours = new Sm2KeyExchange();
            AsymmetricCipherKeyPair theirs = BouncyShangMi.GenerateKeyPair();
            byte[] theirShare = BouncyShangMi.Point((ECPublicKeyParameters)theirs.Public);

            byte[] ourSecret = ours.DeriveSharedSecret(theirShare);
            byte[] theirSecret = BouncyShangMi.Agree((ECPrivateKeyParameters)theirs.Private, ours.KeyShare);

            Assert.Equal(theirSecret, ourSecret);
        }
    }

    public static TheoryData<string, byte[]> MalformedShares()
    {
        using var valid = new Sm2KeyExchange();
        byte[] share = valid.KeyShare.ToArray();
        byte[] offCurve = share.ToArray();
        offCurve[^1] ^= 1;
        // x = p, the field prime: not a field element, whatever y is.
        byte[] xIsP = [0x04, .. BouncyShangMi.Curve.Curve.Field.Characteristic.ToByteArrayUnsigned(), .. share.AsSpan(33)];
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "infinity", [0x00] },
            { "65 zero bytes", new byte[65] },
            { "compressed", [(byte)(0x02 | (share[^1] & 1)), .. share.AsSpan(1, 32)] },
            { "uncompressed length with a compressed prefix", [0x02, .. share.AsSpan(1)] },
            { "hybrid", [(byte)(0x06 | (share[^1] & 1)), .. share.AsSpan(1)] },
            { "one byte short", share[..64] },
            { "one byte long", [.. share, 0] },
            { "not on the curve", offCurve },
            { "x-coordinate equal to p", xIsP },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedShares))]
    public void A_malformed_or_off_curve_peer_share_is_refused_with_a_point_exception(string what, byte[] peerShare)
    {
        using var exchange = new Sm2KeyExchange();
        byte[] secret = new byte[32];

        var error = Assert.Throws<Sm2PointException>(() => exchange.DeriveSharedSecret(peerShare, secret));

        Assert.Contains("key share", error.Message);
        Assert.True(secret.All(b => b == 0), what);
    }

    [Fact]
    public void The_exchange_still_works_after_a_refused_share()
    {
        using var exchange = new Sm2KeyExchange();
        using var peer = new Sm2KeyExchange();
        Assert.Throws<Sm2PointException>(() => exchange.DeriveSharedSecret(new byte[65]));

        Assert.Equal(peer.DeriveSharedSecret(exchange.KeyShare), exchange.DeriveSharedSecret(peer.KeyShare));
    }

    [Fact]
    public void A_secret_buffer_that_is_not_32_bytes_is_refused()
    {
        using var exchange = new Sm2KeyExchange();
        using var peer = new Sm2KeyExchange();

        Assert.Throws<ArgumentException>(() => exchange.DeriveSharedSecret(peer.KeyShare, new byte[31]));
    }

    [Fact]
    public void A_disposed_exchange_refuses_to_derive()
    {
        var exchange = new Sm2KeyExchange();
        using var peer = new Sm2KeyExchange();
        exchange.Dispose();

        Assert.Throws<ObjectDisposedException>(() => exchange.DeriveSharedSecret(peer.KeyShare));
    }

    [Fact]
    public void Key_shares_are_fresh_points_on_the_curve()
    {
        using var first = new Sm2KeyExchange();
        using var second = new Sm2KeyExchange();

        Assert.NotEqual(first.KeyShare.ToArray(), second.KeyShare.ToArray());
        Assert.True(BouncyShangMi.PublicKeyFromPoint(first.KeyShare).Q.IsValid());
    }
}
