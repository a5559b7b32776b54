using System.Buffers.Binary;
using TlsGateway.Interop;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// The SM4 block cipher (GB/T 32907-2016) with its key scheduled inside OpenSSL, in the shapes
/// <see cref="Sm4Gcm"/> and <see cref="Sm4Ccm"/> are built from. Forward direction only: both
/// modes use SM4 as a keystream and MAC generator and never decrypt a block (a non-goal here).
/// OpenSSL cleanses its key schedules on <see cref="Dispose"/>. Not safe for concurrent use.
/// </summary>
public sealed class Sm4 : IDisposable
{
    public const int KeySizeInBytes = NativeSm4.KeyLength;
    public const int BlockSizeInBytes = NativeSm4.BlockLength;

    private readonly SafeSm4Handle _key;

    /// <summary>Schedules a 16-byte key; the caller wipes its copy.</summary>
    public Sm4(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySizeInBytes)
        {
            throw new ArgumentException($"an SM4 key is {KeySizeInBytes} bytes, not {key.Length}", nameof(key));
        }

        _key = NativeSm4.Create(key);
    }

    /// <summary>E(K, input) for one 16-byte block.</summary>
    public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length != BlockSizeInBytes || output.Length != BlockSizeInBytes)
        {
            throw new ArgumentException($"SM4 encrypts one {BlockSizeInBytes}-byte block into another");
        }

        EncryptBlocks(input, output);
    }

    /// <summary>Each 16-byte block encrypted on its own (ECB). The spans are the same memory or disjoint.</summary>
    public void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        CheckInPlaceOrDisjoint(input, output);
        NativeSm4.EncryptBlocks(_key, input, output);
    }

    /// <summary>
    /// Counter mode with the counter block incremented as one 128-bit big-endian number
    /// (NIST SP 800-38A §B.1 with m = 128): CCM's counter (SP 800-38C §A.3) lives in the low
    /// bytes and never carries past them for any message CCM accepts.
    /// </summary>
    public void TransformCtr(ReadOnlySpan<byte> counterBlock, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        CheckCounter(counterBlock, input, output);
        NativeSm4.Ctr(_key, counterBlock, input, output);
    }

    /// <summary>
    /// GCTR (NIST SP 800-38D §6.5): counter mode where only the low 32 bits of the counter block
    /// count (inc32, §6.2) and wrap to zero without carrying into the nonce bytes.
    /// </summary>
    /// <remarks>
    /// OpenSSL's CTR carries across all 128 bits, so the two agree until the low word wraps; the
    /// call is split there and the second part restarts from the block with a zero low word.
    /// With the 12-byte nonce GCM uses in TLS the counter starts at 2 and a record is at most
    /// 2^14 + 256 bytes, so the split never happens there; it is kept because it costs one
    /// comparison and makes this method GCTR for any counter block. A span holds under 2^27
    /// blocks, so one call wraps at most once.
    /// </remarks>
    public void TransformGctr(ReadOnlySpan<byte> counterBlock, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        CheckCounter(counterBlock, input, output);
        uint low = BinaryPrimitives.ReadUInt32BigEndian(counterBlock[12..]);
        long bytesBeforeWrap = (0x1_0000_0000L - low) * BlockSizeInBytes;
        if (input.Length <= bytesBeforeWrap)
        {
            NativeSm4.Ctr(_key, counterBlock, input, output);
            return;
        }

        int first = (int)bytesBeforeWrap;
        NativeSm4.Ctr(_key, counterBlock, input[..first], output[..first]);
        Span<byte> wrapped = stackalloc byte[BlockSizeInBytes];
        counterBlock.CopyTo(wrapped);
        wrapped[12..].Clear();
        NativeSm4.Ctr(_key, wrapped, input[first..], output[first..input.Length]);
    }

    /// <summary>CBC over whole blocks from <paramref name="state"/>, leaving the last ciphertext block in it (SP 800-38C §6.1 step 4-5).</summary>
    internal void CbcMac(Span<byte> state, ReadOnlySpan<byte> blocks)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        NativeSm4.CbcMac(_key, state, blocks);
    }

    public void Dispose() => _key.Dispose();

    private static void CheckCounter(ReadOnlySpan<byte> counterBlock, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (counterBlock.Length != BlockSizeInBytes)
        {
            throw new ArgumentException($"a counter block is {BlockSizeInBytes} bytes", nameof(counterBlock));
        }

        if (output.Length < input.Length)
        {
            throw new ArgumentException("the output is shorter than the input", nameof(output));
        }

        CheckInPlaceOrDisjoint(input, output);
    }

    // OpenSSL transforms in place only when input and output start at the same address.
    internal static void CheckInPlaceOrDisjoint(ReadOnlySpan<byte> input, ReadOnlySpan<byte> output)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
        {
            throw new ArgumentException("input and output must be the same memory or not overlap at all");
        }
    }
}
