using System.Security.Cryptography;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// HKDF (RFC 5869) with HMAC-SM3: the key derivation under the RFC 8998 suites' TLS 1.3 key
/// schedule (RFC 8446 §7.1 calls Extract and Expand separately).
/// </summary>
/// <remarks>
/// Written here over <see cref="HmacSm3"/> rather than taken from OpenSSL's EVP_KDF "HKDF":
/// RFC 5869 is two loops over HMAC, which the boundary already has; EVP_KDF would cost a
/// parameter array (mode, digest, key, salt, info) across the boundary on every derivation of
/// the key schedule; and keeping it here pins the RFC's edge cases where they can be read —
/// an absent salt is HashLen zero bytes (§2.2), the output is at most 255·HashLen bytes (§2.3).
/// It is checked against Bouncy Castle's HKDF and OpenSSL's own in the tests.
/// </remarks>
public static class HkdfSm3
{
    public const int HashSizeInBytes = Sm3.HashSizeInBytes;

    /// <summary>RFC 5869 §2.3: L ≤ 255·HashLen.</summary>
    public const int MaxOutputLength = 255 * HashSizeInBytes;

    /// <summary>HKDF-Extract(salt, IKM) into <paramref name="prk"/> (32 bytes); an empty salt means 32 zero bytes.</summary>
    public static int Extract(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, Span<byte> prk)
    {
        Span<byte> zeros = stackalloc byte[HashSizeInBytes];
        zeros.Clear();
        return HmacSm3.HashData(salt.IsEmpty ? zeros : salt, ikm, prk);
    }

    /// <summary>HKDF-Expand(PRK, info, L) with L = <paramref name="output"/>.Length.</summary>
    public static void Expand(ReadOnlySpan<byte> prk, Span<byte> output, ReadOnlySpan<byte> info)
    {
        if (prk.Length < HashSizeInBytes)
        {
            throw new ArgumentException($"an HKDF-SM3 PRK is at least {HashSizeInBytes} bytes (RFC 5869 §2.3)", nameof(prk));
        }

        if (output.Length > MaxOutputLength)
        {
            throw new ArgumentException($"HKDF-SM3 gives at most {MaxOutputLength} bytes (RFC 5869 §2.3)", nameof(output));
        }

        // Each block reads info and the previous block while output fills: overlap would feed
        // output back into the derivation.
        if (output.Overlaps(prk) || output.Overlaps(info))
        {
            throw new ArgumentException("the HKDF output must not overlap the PRK or info", nameof(output));
        }

        using var hmac = new HmacSm3(prk);
        Span<byte> block = stackalloc byte[HashSizeInBytes];
        Span<byte> counter = stackalloc byte[1];
        int previousLength = 0;
        for (int offset = 0; offset < output.Length; offset += HashSizeInBytes)
        {
            // T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty, i from 1 (RFC 5869 §2.3).
            counter[0]++;
            hmac.AppendData(block[..previousLength]);
            hmac.AppendData(info);
            hmac.AppendData(counter);
            hmac.GetHashAndReset(block);
            previousLength = HashSizeInBytes;
            block[..Math.Min(HashSizeInBytes, output.Length - offset)].CopyTo(output[offset..]);
        }

        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>Extract then Expand; the PRK never leaves this method.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> ikm, Span<byte> output, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        Span<byte> prk = stackalloc byte[HashSizeInBytes];
        try
        {
            Extract(ikm, salt, prk);
            Expand(prk, output, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }
}
