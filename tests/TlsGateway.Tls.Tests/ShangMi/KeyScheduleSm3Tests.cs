using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using TlsGateway.Crypto.Tests.ShangMi;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi;

/// <summary>
/// The key schedule over SM3 (RFC 8998 §2 pairs both suites with SM3) has no published trace, so
/// every step is recomputed with Bouncy Castle's HKDF over its own SM3Digest — an implementation
/// that shares nothing with the OpenSSL SM3 underneath ours — following RFC 8446 §7.1 literally.
/// </summary>
public sealed class KeyScheduleSm3Tests
{
    private static readonly Tls13CipherSuite s_suite = Tls13CipherSuite.Sm4GcmSm3;

    [Theory]
    [InlineData("key", "", 16)]
    [InlineData("iv", "", 12)]
    [InlineData("finished", "", 32)]
    [InlineData("c hs traffic", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 32)]
    [InlineData("resumption", "0000", 32)]
    [InlineData("traffic upd", "", 100)]
    public void Hkdf_expand_label_over_sm3_matches_bouncy_castle(string label, string context, int length)
    {
        byte[] secret = new byte[32];
        new Random(length).NextBytes(secret);
        byte[] output = new byte[length];

        Tls13KeyDerivation.ExpandLabel(Tls13HashAlgorithm.Sm3, secret, System.Text.Encoding.ASCII.GetBytes(label), Convert.FromHexString(context), output);

        Assert.Equal(BouncyExpandLabel(secret, label, Convert.FromHexString(context), length), output);
    }

    [Fact]
    public void The_whole_sm3_schedule_agrees_with_bouncy_castle_step_by_step()
    {
        byte[] shared = new byte[32];
        byte[] helloHash = BouncyShangMi.Sm3("hello"u8);
        byte[] finishedHash = BouncyShangMi.Sm3("server finished"u8);
        byte[] clientFinishedHash = BouncyShangMi.Sm3("client finished"u8);
        new Random(8998).NextBytes(shared);

        byte[] empty = BouncyShangMi.Sm3([]);
        byte[] early = BouncyShangMi.HmacSm3(new byte[32], new byte[32]);
        byte[] handshakeSecret = BouncyShangMi.HmacSm3(BouncyExpandLabel(early, "derived", empty, 32), shared);
        byte[] master = BouncyShangMi.HmacSm3(BouncyExpandLabel(handshakeSecret, "derived", empty, 32), new byte[32]);

        KeyScheduleEarly stage = KeyScheduleEarly.WithoutPsk(s_suite);
        using KeyScheduleHandshake handshake = stage.IntoHandshake(shared);
        using Tls13Secret serverHandshake = handshake.DeriveServerHandshakeTrafficSecret(helloHash);
        Assert.Equal(BouncyExpandLabel(handshakeSecret, "s hs traffic", helloHash, 32), serverHandshake.Span.ToArray());

        byte[] finishedKey = BouncyExpandLabel(serverHandshake.Span.ToArray(), "finished", [], 32);
        Assert.Equal(BouncyShangMi.HmacSm3(finishedKey, finishedHash), serverHandshake.ComputeVerifyData(finishedHash));

        using KeyScheduleTraffic traffic = handshake.IntoTraffic();
        using Tls13Secret clientApplication = traffic.DeriveClientApplicationTrafficSecret(finishedHash);
        byte[] expectedClientApplication = BouncyExpandLabel(master, "c ap traffic", finishedHash, 32);
        Assert.Equal(expectedClientApplication, clientApplication.Span.ToArray());

        using Tls13Secret next = clientApplication.NextApplicationTrafficSecret();
        Assert.Equal(BouncyExpandLabel(expectedClientApplication, "traffic upd", [], 32), next.Span.ToArray());

        using Tls13Secret resumption = traffic.DeriveResumptionMasterSecret(clientFinishedHash);
        using Tls13Secret psk = resumption.DeriveResumptionPsk([0, 1]);
        byte[] expectedPsk = BouncyExpandLabel(BouncyExpandLabel(master, "res master", clientFinishedHash, 32), "resumption", [0, 1], 32);
        Assert.Equal(expectedPsk, psk.Span.ToArray());

        using KeyScheduleEarly resumed = KeyScheduleEarly.WithPsk(s_suite, psk.Span);
        using Tls13Secret binderKey = resumed.DeriveResumptionBinderKey();
        Assert.Equal(BouncyExpandLabel(BouncyShangMi.HmacSm3(new byte[32], expectedPsk), "res binder", empty, 32), binderKey.Span.ToArray());
    }

    [Fact]
    public void Sm3_traffic_keys_seal_what_bouncy_castle_sm4_gcm_seals_with_the_same_derived_key_and_nonce()
    {
        byte[] secret = new byte[32];
        new Random(7).NextBytes(secret);
        byte[] key = BouncyExpandLabel(secret, "key", [], 16);
        byte[] iv = BouncyExpandLabel(secret, "iv", [], 12);
        byte[] content = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();

        using var writer = RecordProtection.FromTrafficSecret(s_suite, secret);
        byte[] record = new byte[writer.GetSealedLength(content.Length)];
        writer.Seal(ContentType.ApplicationData, content, record);

        byte[] expected = BouncyShangMi.Seal(ccm: false, key, iv, [.. content, 23], record.AsSpan(0, 5));
        Assert.Equal(expected, record[5..]);
    }

    private static byte[] BouncyExpandLabel(byte[] secret, string label, byte[] context, int length)
    {
        byte[] fullLabel = System.Text.Encoding.ASCII.GetBytes("tls13 " + label);
        byte[] info = [(byte)(length >> 8), (byte)length, (byte)fullLabel.Length, .. fullLabel, (byte)context.Length, .. context];
        var hkdf = new HkdfBytesGenerator(new SM3Digest());
        hkdf.Init(HkdfParameters.SkipExtractParameters(secret, info));
        byte[] output = new byte[length];
        hkdf.GenerateBytes(output, 0, length);
        return output;
    }
}
