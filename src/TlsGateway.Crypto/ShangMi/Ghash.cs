using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// GHASH (NIST SP 800-38D §6.4) for <see cref="Sm4Gcm"/>: OpenSSL 3.0 has SM4 but no SM4-GCM,
/// and its GHASH is not exported, so it is computed here — with PCLMULQDQ or PMULL where the
/// CPU has them, and with a constant-time shift-and-mask multiply elsewhere.
/// </summary>
/// <remarks>
/// GCM's field GF(2^128) mod x^128 + x^7 + x^2 + x + 1 numbers its bits backwards: bit 0 of a
/// block (the top bit of its first byte) is the coefficient of x^0. A block read as a 128-bit
/// big-endian number therefore holds the polynomial bit-reflected. The carry-less product of two
/// reflected values is the reflected product shifted right by one, so it is shifted back, and
/// the reduction folds the low 128 bits (the high powers) into the high ones — the method of
/// Gueron and Kounavis, "Intel Carry-Less Multiplication Instruction and its Usage for
/// Computing the GCM Mode" (2014), §4, with Karatsuba's three multiplications instead of four.
/// The hash subkey H is key material (it forges tags); it is zeroed on <see cref="Dispose"/>.
/// </remarks>
public sealed class Ghash : IDisposable
{
    public const int BlockSizeInBytes = 16;

    private readonly GhashBackend _backend;
    private ulong _keyHigh;
    private ulong _keyLow;
    private bool _disposed;

    /// <summary>GHASH under hash subkey H = E(K, 0^128), on the fastest backend this CPU has.</summary>
    public Ghash(ReadOnlySpan<byte> hashSubkey)
        : this(hashSubkey, DefaultBackend)
    {
    }

    public Ghash(ReadOnlySpan<byte> hashSubkey, GhashBackend backend)
    {
        if (hashSubkey.Length != BlockSizeInBytes)
        {
            throw new ArgumentException($"the GHASH subkey is {BlockSizeInBytes} bytes", nameof(hashSubkey));
        }

        if (!IsSupported(backend))
        {
            throw new PlatformNotSupportedException($"GHASH backend {backend} needs an instruction this CPU does not have");
        }

        _backend = backend;
        _keyHigh = BinaryPrimitives.ReadUInt64BigEndian(hashSubkey);
        _keyLow = BinaryPrimitives.ReadUInt64BigEndian(hashSubkey[8..]);
    }

    public static GhashBackend DefaultBackend { get; } =
        IsSupported(GhashBackend.Pclmulqdq) ? GhashBackend.Pclmulqdq
        : IsSupported(GhashBackend.ArmPmull) ? GhashBackend.ArmPmull
        : GhashBackend.Portable;

    public GhashBackend Backend => _backend;

    public static bool IsSupported(GhashBackend backend) => backend switch
    {
        GhashBackend.Portable => true,
        GhashBackend.Pclmulqdq => System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported,
        GhashBackend.ArmPmull => System.Runtime.Intrinsics.Arm.Aes.IsSupported,
        _ => false,
    };

    /// <summary>
    /// S = GHASH_H(A || 0^v || C || 0^u || [len(A)]64 || [len(C)]64), SP 800-38D §7.1 step 5:
    /// the value GCM encrypts into its tag.
    /// </summary>
    public void Compute(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (output.Length != BlockSizeInBytes)
        {
            throw new ArgumentException($"GHASH gives {BlockSizeInBytes} bytes", nameof(output));
        }

        (ulong high, ulong low) = _backend switch
        {
            GhashBackend.Pclmulqdq => Compute<PclmulqdqMultiplier>(associatedData, ciphertext),
            GhashBackend.ArmPmull => Compute<PmullMultiplier>(associatedData, ciphertext),
            _ => Compute<PortableMultiplier>(associatedData, ciphertext),
        };

        BinaryPrimitives.WriteUInt64BigEndian(output, high);
        BinaryPrimitives.WriteUInt64BigEndian(output[8..], low);
    }

    public void Dispose()
    {
        _keyHigh = 0;
        _keyLow = 0;
        _disposed = true;
    }

    private (ulong High, ulong Low) Compute<T>(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
        where T : struct, ICarrylessMultiplier
    {
        ulong high = 0;
        ulong low = 0;
        Absorb<T>(ref high, ref low, associatedData);
        Absorb<T>(ref high, ref low, ciphertext);
        // Lengths in bits; a span is under 2^31 bytes, far inside GCM's limits (2^64 bits of A,
        // 2^39 - 256 bits of P: SP 800-38D §5.2.1.1).
        high ^= (ulong)associatedData.Length * 8;
        low ^= (ulong)ciphertext.Length * 8;
        MultiplyByKey<T>(ref high, ref low);
        return (high, low);
    }

    // Y_i = (Y_{i-1} xor X_i) · H over the data, the last partial block padded with zeros.
    private void Absorb<T>(ref ulong high, ref ulong low, ReadOnlySpan<byte> data)
        where T : struct, ICarrylessMultiplier
    {
        int whole = data.Length & ~(BlockSizeInBytes - 1);
        for (int offset = 0; offset < whole; offset += BlockSizeInBytes)
        {
            high ^= BinaryPrimitives.ReadUInt64BigEndian(data[offset..]);
            low ^= BinaryPrimitives.ReadUInt64BigEndian(data[(offset + 8)..]);
            MultiplyByKey<T>(ref high, ref low);
        }

        if (whole < data.Length)
        {
            Span<byte> last = stackalloc byte[BlockSizeInBytes];
            last.Clear();
            data[whole..].CopyTo(last);
            high ^= BinaryPrimitives.ReadUInt64BigEndian(last);
            low ^= BinaryPrimitives.ReadUInt64BigEndian(last[8..]);
            MultiplyByKey<T>(ref high, ref low);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MultiplyByKey<T>(ref ulong high, ref ulong low)
        where T : struct, ICarrylessMultiplier
    {
        // Karatsuba: (a1·x + a0)(b1·x + b0) with x = 2^64 needs a1·b1, a0·b0 and (a1+a0)(b1+b0).
        T.Multiply(low, _keyLow, out ulong p0High, out ulong p0Low);
        T.Multiply(high, _keyHigh, out ulong p2High, out ulong p2Low);
        T.Multiply(high ^ low, _keyHigh ^ _keyLow, out ulong p1High, out ulong p1Low);
        p1High ^= p0High ^ p2High;
        p1Low ^= p0Low ^ p2Low;

        // The 256-bit product [z3:z2:z1:z0], shifted left by one to undo the reflection.
        ulong z0 = p0Low;
        ulong z1 = p0High ^ p1Low;
        ulong z2 = p2Low ^ p1High;
        ulong z3 = p2High;
        z3 = (z3 << 1) | (z2 >> 63);
        z2 = (z2 << 1) | (z1 >> 63);
        z1 = (z1 << 1) | (z0 >> 63);
        z0 <<= 1;

        // x^128 = x^7 + x^2 + x + 1: fold [z1:z0] in twice. First the bits of z0 that the
        // x^1, x^2 and x^7 terms push back into the low half (into z1) ...
        ulong d = z1 ^ (z0 << 63) ^ (z0 << 62) ^ (z0 << 57);
        // ... then [d:z0] times (1 + x + x^2 + x^7) lands entirely in the high half.
        ulong foldHigh = d ^ (d >> 1) ^ (d >> 2) ^ (d >> 7);
        ulong foldLow = z0 ^ ((z0 >> 1) | (d << 63)) ^ ((z0 >> 2) | (d << 62)) ^ ((z0 >> 7) | (d << 57));
        high = z3 ^ foldHigh;
        low = z2 ^ foldLow;
    }
}
