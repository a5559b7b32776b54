using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// SM4-CCM (NIST SP 800-38C / RFC 3610 over SM4; RFC 8998 §2, TLS_SM4_CCM_SM3) with the 12-byte
/// nonce and 16-byte tag TLS uses, so the length field is q = 15 - 12 = 3 bytes and a message is
/// under 2^24 bytes. The CBC-MAC and the counter mode run in OpenSSL; the block formatting of
/// SP 800-38C Appendix A is done here. CCM authenticates the plaintext, so <see cref="Open"/> has
/// to decrypt before it can check: on a wrong tag it zeroes the plaintext span and returns false.
/// Not safe for concurrent use.
/// </summary>
public sealed class Sm4Ccm : IDisposable
{
    public const int KeySizeInBytes = Sm4.KeySizeInBytes;
    public const int NonceSizeInBytes = AeadArguments.NonceSizeInBytes;
    public const int TagSizeInBytes = AeadArguments.TagSizeInBytes;

    /// <summary>2^(8q) - 1 with q = 3 (SP 800-38C §A.1: the byte length must fit Q).</summary>
    public const int MaxPlaintextLength = (1 << 24) - 1;

    private const int BlockSize = Sm4.BlockSizeInBytes;
    private const int LengthFieldSize = 15 - NonceSizeInBytes;

    // Flags of B0 (SP 800-38C §A.2.1): Adata << 6 | ((t - 2) / 2) << 3 | (q - 1).
    private const byte B0Flags = ((TagSizeInBytes - 2) / 2) << 3 | (LengthFieldSize - 1);
    private const byte B0AdataFlag = 0x40;

    // Flags of the counter blocks (SP 800-38C §A.3): q - 1.
    private const byte CounterFlags = LengthFieldSize - 1;

    // B0 plus the longest associated-data length encoding and a TLS 1.3 header (5 bytes) fit here.
    private const int StackHeaderSize = 64;

    private readonly Sm4 _cipher;

    public Sm4Ccm(ReadOnlySpan<byte> key) => _cipher = new Sm4(key);

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, same memory or disjoint) and writes the tag.</summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> ciphertext, Span<byte> tag)
    {
        CheckArguments(nonce, plaintext, ciphertext, tag.Length, associatedData.Length);
        // The MAC reads the plaintext, so it runs before an in-place encryption overwrites it.
        Span<byte> mac = stackalloc byte[BlockSize];
        ComputeMac(nonce, associatedData, plaintext, mac);
        EncryptTag(nonce, mac, tag);
        Span<byte> counter = stackalloc byte[BlockSize];
        CounterBlock(nonce, 1, counter);
        _cipher.TransformCtr(counter, plaintext, ciphertext);
        CryptographicOperations.ZeroMemory(mac);
    }

    /// <summary>
    /// Decrypts into <paramref name="plaintext"/> and returns true when the tag matches; on a
    /// mismatch returns false with <paramref name="plaintext"/> zeroed.
    /// </summary>
    public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        CheckArguments(nonce, ciphertext, plaintext, tag.Length, associatedData.Length);
        Span<byte> counter = stackalloc byte[BlockSize];
        CounterBlock(nonce, 1, counter);
        _cipher.TransformCtr(counter, ciphertext, plaintext);

        Span<byte> expected = stackalloc byte[BlockSize];
        ComputeMac(nonce, associatedData, plaintext, expected);
        EncryptTag(nonce, expected, expected);
        bool authentic = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!authentic)
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return authentic;
    }

    public void Dispose() => _cipher.Dispose();

    private static void CheckArguments(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, ReadOnlySpan<byte> output, int tagLength, int associatedDataLength)
    {
        AeadArguments.Check(nonce, input.Length, output.Length, tagLength, input, output);
        if (input.Length > MaxPlaintextLength)
        {
            throw new ArgumentException($"SM4-CCM with a 12-byte nonce takes at most {MaxPlaintextLength} bytes (SP 800-38C §A.1)", nameof(input));
        }

        // The formatted header (B0, length encoding, padding) must fit an int.
        if (associatedDataLength > int.MaxValue - StackHeaderSize)
        {
            throw new ArgumentException("the associated data is too long", "associatedData");
        }
    }

    // T = CBC-MAC over B0 || encoded A || padding || P || padding (SP 800-38C §6.1 steps 1-4).
    private void ComputeMac(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> mac)
    {
        mac.Clear();
        int encodingSize = associatedData.IsEmpty ? 0 : associatedData.Length < 0xFF00 ? 2 : 6;
        int headerSize = BlockSize + RoundUp(encodingSize + associatedData.Length);
        byte[]? rented = headerSize > StackHeaderSize ? ArrayPool<byte>.Shared.Rent(headerSize) : null;
        Span<byte> header = rented is null ? stackalloc byte[StackHeaderSize] : rented;
        header = header[..headerSize];
        header.Clear();

        // B0 = flags || N || Q (§A.2.1).
        header[0] = associatedData.IsEmpty ? B0Flags : (byte)(B0Flags | B0AdataFlag);
        nonce.CopyTo(header[1..]);
        WriteUInt24BigEndian(header[(1 + NonceSizeInBytes)..], plaintext.Length);

        // The associated data's length (§A.2.2): two bytes below 2^16 - 2^8, else FF FE and four bytes.
        Span<byte> encoded = header[BlockSize..];
        if (encodingSize == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)associatedData.Length);
        }
        else if (encodingSize == 6)
        {
            encoded[0] = 0xFF;
            encoded[1] = 0xFE;
            BinaryPrimitives.WriteUInt32BigEndian(encoded[2..], (uint)associatedData.Length);
        }

        associatedData.CopyTo(encoded[encodingSize..]);
        _cipher.CbcMac(mac, header);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }

        // The payload blocks (§A.2.3), the last one padded with zeros.
        int whole = plaintext.Length & ~(BlockSize - 1);
        _cipher.CbcMac(mac, plaintext[..whole]);
        if (whole < plaintext.Length)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            plaintext[whole..].CopyTo(last);
            _cipher.CbcMac(mac, last);
            CryptographicOperations.ZeroMemory(last);
        }
    }

    // tag = T xor MSB_t(S0), S0 = E(K, Ctr_0) (SP 800-38C §6.1 steps 6-8, t = 128).
    private void EncryptTag(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> mac, Span<byte> tag)
    {
        Span<byte> s0 = stackalloc byte[BlockSize];
        CounterBlock(nonce, 0, s0);
        _cipher.EncryptBlock(s0, s0);
        for (int i = 0; i < TagSizeInBytes; i++)
        {
            tag[i] = (byte)(mac[i] ^ s0[i]);
        }

        CryptographicOperations.ZeroMemory(s0);
    }

    // Ctr_i = flags || N || [i]_24 (SP 800-38C §A.3).
    private static void CounterBlock(ReadOnlySpan<byte> nonce, int index, Span<byte> block)
    {
        block[0] = CounterFlags;
        nonce.CopyTo(block[1..]);
        WriteUInt24BigEndian(block[(1 + NonceSizeInBytes)..], index);
    }

    private static void WriteUInt24BigEndian(Span<byte> destination, int value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }

    private static int RoundUp(int length) => (length + BlockSize - 1) & ~(BlockSize - 1);
}
