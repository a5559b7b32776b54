namespace TlsGateway.Interop;

/// <summary>
/// The SM4 block cipher (GB/T 32907) from libcrypto in the three shapes the AEAD modes are
/// built from: whole blocks (ECB), a keystream (CTR with OpenSSL's full 128-bit increment) and
/// a CBC-MAC. Only the forward cipher: GCM and CCM never run SM4 backwards.
/// </summary>
public static class NativeSm4
{
    public const int KeyLength = 16;
    public const int BlockLength = 16;

    public static SafeSm4Handle Create(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"an SM4 key is {KeyLength} bytes, not {key.Length}", nameof(key));
        }

        SafeSm4Handle handle = TlsGwNative.Sm4Create(key, key.Length);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw OpenSslException.FromErrorQueue("create SM4 key");
        }

        return handle;
    }

    /// <summary>Encrypts whole blocks; <paramref name="input"/> and <paramref name="output"/> may be the same memory.</summary>
    public static void EncryptBlocks(SafeSm4Handle sm4, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.IsEmpty || input.Length % BlockLength != 0 || output.Length < input.Length)
        {
            throw new ArgumentException($"SM4 encrypts whole 16-byte blocks into a buffer as large ({input.Length} into {output.Length})");
        }

        if (TlsGwNative.Sm4EncryptBlocks(sm4, input, output, input.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM4 encrypt");
        }
    }

    /// <summary>XORs the SM4-CTR keystream from <paramref name="counter"/> (incremented as one 128-bit big-endian number) into output.</summary>
    public static void Ctr(SafeSm4Handle sm4, ReadOnlySpan<byte> counter, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (counter.Length != BlockLength || output.Length < input.Length)
        {
            throw new ArgumentException("SM4-CTR needs a 16-byte counter block and an output as large as the input");
        }

        if (TlsGwNative.Sm4Ctr(sm4, counter, input, output, input.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM4-CTR");
        }
    }

    /// <summary>Runs CBC over whole blocks of <paramref name="data"/> from <paramref name="state"/>, leaving the last block in it.</summary>
    public static void CbcMac(SafeSm4Handle sm4, Span<byte> state, ReadOnlySpan<byte> data)
    {
        if (state.Length != BlockLength || data.Length % BlockLength != 0)
        {
            throw new ArgumentException("SM4 CBC-MAC needs a 16-byte state and whole blocks");
        }

        if (TlsGwNative.Sm4CbcMac(sm4, state, data, data.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("SM4 CBC-MAC");
        }
    }
}
