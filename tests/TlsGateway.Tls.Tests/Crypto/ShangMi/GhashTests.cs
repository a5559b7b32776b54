using System.Security.Cryptography;
using TlsGateway.Crypto.ShangMi;

namespace TlsGateway.Crypto.Tests.ShangMi;

public sealed class GhashTests
{
    private static readonly GhashBackend[] s_supported = Enum.GetValues<GhashBackend>().Where(Ghash.IsSupported).ToArray();

    public static TheoryData<GhashBackend> SupportedBackends()
    {
        var data = new TheoryData<GhashBackend>();
        foreach (GhashBackend backend in s_supported)
        {
            data.Add(backend);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedBackends))]
    public void Ghash_matches_test_case_2_of_the_GCM_specification(GhashBackend backend)
    {
        // McGrew and Viega, "The Galois/Counter Mode of Operation", Appendix B, test case 2 (AES-128, K = 0).
        using var ghash = new Ghash(Convert.FromHexString("66e94bd4ef8a2c3b884cfa59ca342b2e"), backend);
        byte[] output = new byte[16];
        ghash.Compute([], Convert.FromHexString("0388dace60b6a392f328c2b971b2fe78"), output);

        Assert.Equal("f38cbb1ad69223dcc3457ae5b6b0f885", Convert.ToHexStringLower(output));
    }

    [Theory]
    [MemberData(nameof(SupportedBackends))]
    public void Ghash_equals_what_dotnets_aes_gcm_puts_in_its_tags(GhashBackend backend)
    {
        // AES-GCM's tag is E(K, J0) xor GHASH(H, A, C) with H = E(K, 0): so .NET's AES-GCM and a
        // single AES block give GHASH values from an implementation unrelated to this one.
        var random = new Random(38 + (int)backend);
        for (int i = 0; i < 100; i++)
        {
            byte[] key = RandomBytes(random, 16);
            byte[] nonce = RandomBytes(random, 12);
            byte[] aad = RandomBytes(random, random.Next(0, 70));
            byte[] plaintext = RandomBytes(random, random.Next(0, 130));
            byte[] ciphertext = new byte[plaintext.Length];
            byte[] tag = new byte[16];
            using (var gcm = new AesGcm(key, 16))
            {
                gcm.Encrypt(nonce, plaintext, ciphertext, tag, aad);
            }

            using var aes = Aes.Create();
            aes.Key = key;
            byte[] hashSubkey = aes.EncryptEcb(new byte[16], PaddingMode.None);
            byte[] j0 = [.. nonce, 0, 0, 0, 1];
            byte[] mask = aes.EncryptEcb(j0, PaddingMode.None);

            using var ghash = new Ghash(hashSubkey, backend);
            byte[] output = new byte[16];
            ghash.Compute(aad, ciphertext, output);

            Assert.Equal(Xor(tag, mask), output);
        }
    }

    [Fact]
    public void Every_supported_backend_agrees_with_the_portable_one_on_random_inputs()
    {
        Assert.Contains(GhashBackend.Portable, s_supported);
        if (System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported)
        {
            Assert.Contains(GhashBackend.Pclmulqdq, s_supported);
        }

        var random = new Random(12345);
        for (int i = 0; i < 300; i++)
        {
            byte[] hashSubkey = RandomBytes(random, 16);
            // Edge subkeys: the all-ones and single-bit values exercise every carry of the reduction.
            if (i == 0)
            {
                Array.Fill(hashSubkey, (byte)0xFF);
            }
            else if (i == 1)
            {
                Array.Clear(hashSubkey);
                hashSubkey[15] = 1;
            }

            byte[] aad = RandomBytes(random, random.Next(0, 50));
            byte[] ciphertext = RandomBytes(random, random.Next(0, 300));
            byte[] expected = new byte[16];
            using (var portable = new Ghash(hashSubkey, GhashBackend.Portable))
            {
                portable.Compute(aad, ciphertext, expected);
            }

            foreach (GhashBackend backend in s_supported)
            {
                using var ghash = new Ghash(hashSubkey, backend);
                byte[] output = new byte[16];
                ghash.Compute(aad, ciphertext, output);
                Assert.Equal(expected, output);
            }
        }
    }

    [Fact]
    public void The_default_backend_is_hardware_when_the_cpu_has_it()
    {
        GhashBackend expected = System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported ? GhashBackend.Pclmulqdq
            : System.Runtime.Intrinsics.Arm.Aes.IsSupported ? GhashBackend.ArmPmull
            : GhashBackend.Portable;

        Assert.Equal(expected, Ghash.DefaultBackend);
    }

    [Fact]
    public void An_unsupported_backend_is_refused_instead_of_crashing()
    {
        foreach (GhashBackend backend in Enum.GetValues<GhashBackend>().Where(b => !Ghash.IsSupported(b)))
        {
            Assert.Throws<PlatformNotSupportedException>(() => new Ghash(new byte[16], backend));
        }
    }

    [Fact]
    public void A_disposed_ghash_refuses_to_compute()
    {
        var ghash = new Ghash(new byte[16]);
        ghash.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ghash.Compute([], [], new byte[16]));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Xor(byte[] a, byte[] b) => a.Zip(b, (x, y) => (byte)(x ^ y)).ToArray();
}
