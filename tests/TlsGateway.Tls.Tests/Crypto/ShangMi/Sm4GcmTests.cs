using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class Sm4GcmTests
{
    [Fact]
    public void Sm4_gcm_seals_the_RFC_8998_appendix_A_1_vector()
    {
        using var gcm = new Sm4Gcm(Rfc8998Vectors.Key);
        byte[] ciphertext = new byte[Rfc8998Vectors.Plaintext.Length];
        byte[] tag = new byte[16];
        gcm.Seal(Rfc8998Vectors.Nonce, Rfc8998Vectors.Plaintext, Rfc8998Vectors.AssociatedData, ciphertext, tag);

        Assert.Equal(Rfc8998Vectors.GcmCiphertext, Convert.ToHexString(ciphertext));
        Assert.Equal(Rfc8998Vectors.GcmTag, Convert.ToHexString(tag));
    }

    [Fact]
    public void Sm4_gcm_opens_the_RFC_8998_appendix_A_1_vector()
    {
        using var gcm = new Sm4Gcm(Rfc8998Vectors.Key);
        byte[] plaintext = new byte[Rfc8998Vectors.Plaintext.Length];
        bool opened = gcm.Open(Rfc8998Vectors.Nonce, Convert.FromHexString(Rfc8998Vectors.GcmCiphertext), Convert.FromHexString(Rfc8998Vectors.GcmTag),
            Rfc8998Vectors.AssociatedData, plaintext);

        Assert.True(opened);
        Assert.Equal(Rfc8998Vectors.Plaintext, plaintext);
    }

    [Fact]
    public void Every_ghash_backend_seals_the_same_records()
    {
        var random = new Random(8998);
        byte[] key = new byte[16];
        byte[] nonce = new byte[12];
        byte[] plaintext = new byte[1000];
        byte[] aad = new byte[13];
        random.NextBytes(key);
        random.NextBytes(nonce);
        random.NextBytes(plaintext);
        random.NextBytes(aad);
        byte[] expected = BouncyShangMi.Seal(ccm: false, key, nonce, plaintext, aad);

        foreach (GhashBackend backend in Enum.GetValues<GhashBackend>().Where(Ghash.IsSupported))
        {
            using var gcm = new Sm4Gcm(key, backend);
            byte[] output = new byte[plaintext.Length + 16];
            gcm.Seal(nonce, plaintext, aad, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
            Assert.Equal(backend, gcm.GhashBackend);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void A_tls_sized_record_round_trips_in_place()
    {
        // A full TLS 1.3 record: 2^14 bytes of content plus the content type (RFC 8446 §5.2).
        byte[] record = new byte[16385];
        new Random(1).NextBytes(record);
        byte[] original = record.ToArray();
        byte[] header = [23, 3, 3, 0x40, 0x11];
        byte[] nonce = new byte[12];
        byte[] tag = new byte[16];
        using var gcm = new Sm4Gcm(new byte[16]);

        gcm.Seal(nonce, record, header, record, tag);
        Assert.NotEqual(original, record);
        Assert.True(gcm.Open(nonce, record, tag, header, record));
        Assert.Equal(original, record);
    }
}
