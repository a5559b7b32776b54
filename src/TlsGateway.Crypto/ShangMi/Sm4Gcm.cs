using System.Security.Cryptography;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// SM4-GCM (NIST SP 800-38D over SM4; RFC 8998 §2, TLS_SM4_GCM_SM3) with the 12-byte nonce and
/// 16-byte tag TLS uses. SM4 and its counter mode come from OpenSSL, GHASH from <see cref="Ghash"/>.
/// <see cref="Open"/> returns false on a wrong tag, checks the tag before decrypting anything and
/// leaves the plaintext span zeroed. Keys: OpenSSL cleanses its SM4 schedules and
/// <see cref="Ghash"/> zeroes H on <see cref="Dispose"/>. Not safe for concurrent use (one
/// instance per record direction).
/// </summary>
public sealed class Sm4Gcm : IDisposable
{
    public const int KeySizeInBytes = Sm4.KeySizeInBytes;
    public const int NonceSizeInBytes = AeadArguments.NonceSizeInBytes;
    public const int TagSizeInBytes = AeadArguments.TagSizeInBytes;

    private readonly Sm4 _cipher;
    private readonly Ghash _ghash;

    public Sm4Gcm(ReadOnlySpan<byte> key)
        : this(key, Ghash.DefaultBackend)
    {
    }

    /// <summary>With a chosen GHASH backend: for tests and benchmarks that compare them.</summary>
    public Sm4Gcm(ReadOnlySpan<byte> key, GhashBackend ghashBackend)
    {
        _cipher = new Sm4(key);
        Span<byte> hashSubkey = stackalloc byte[Sm4.BlockSizeInBytes];
        try
        {
            // H = E(K, 0^128), SP 800-38D §7.1 step 1.
            hashSubkey.Clear();
            _cipher.EncryptBlock(hashSubkey, hashSubkey);
            _ghash = new Ghash(hashSubkey, ghashBackend);
        }
        catch
        {
            _cipher.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hashSubkey);
        }
    }

    public GhashBackend GhashBackend => _ghash.Backend;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, same memory or disjoint) and writes the tag.</summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag)
    {
        AeadArguments.Check(nonce, plaintext.Length, ciphertext.Length, tag.Length, plaintext, ciphertext);
        Span<byte> counter = stackalloc byte[Sm4.BlockSizeInBytes];
        // C = GCTR(inc32(J0), P), SP 800-38D §7.1 step 3.
        FirstDataCounter(nonce, counter);
        _cipher.TransformGctr(counter, plaintext, ciphertext);
        ComputeTag(nonce, associatedData, ciphertext, tag);
    }

    /// <summary>
    /// Checks the tag and, only if it matches, decrypts into <paramref name="plaintext"/> and
    /// returns true. On a mismatch (wrong key, nonce, data or tag) returns false with
    /// <paramref name="plaintext"/> zeroed.
    /// </summary>
    public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        AeadArguments.Check(nonce, ciphertext.Length, plaintext.Length, tag.Length, ciphertext, plaintext);
        Span<byte> expected = stackalloc byte[TagSizeInBytes];
        ComputeTag(nonce, associatedData, ciphertext, expected);
        bool authentic = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!authentic)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }

        Span<byte> counter = stackalloc byte[Sm4.BlockSizeInBytes];
        FirstDataCounter(nonce, counter);
        _cipher.TransformGctr(counter, ciphertext, plaintext);
        return true;
    }

    public void Dispose()
    {
        _ghash.Dispose();
        _cipher.Dispose();
    }

    // With a 96-bit IV, J0 = IV || 0^31 || 1 (SP 800-38D §7.1 step 2); data starts at inc32(J0).
    private static void FirstDataCounter(ReadOnlySpan<byte> nonce, Span<byte> counter)
    {
        nonce.CopyTo(counter);
        counter[12..].Clear();
        counter[15] = 2;
    }

    // T = MSB_128(GCTR(J0, S)) = E(K, J0) xor S, S = GHASH_H(A, C) (SP 800-38D §7.1 steps 5-6).
    private void ComputeTag(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> mask = stackalloc byte[Sm4.BlockSizeInBytes];
        nonce.CopyTo(mask);
        mask[12..].Clear();
        mask[15] = 1;
        _cipher.EncryptBlock(mask, mask);
        _ghash.Compute(associatedData, ciphertext, tag);
        for (int i = 0; i < TagSizeInBytes; i++)
        {
            tag[i] ^= mask[i];
        }

        CryptographicOperations.ZeroMemory(mask);
    }
}
