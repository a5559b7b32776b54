namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// Carry-less multiply by shifting and masking: every one of the 64 steps runs whatever the
/// operands are, so timing does not depend on the (secret) hash subkey. No 4-bit tables either,
/// whose cache footprint would leak it (the classic GHASH side channel).
/// </summary>
internal readonly struct PortableMultiplier : ICarrylessMultiplier
{
    public static void Multiply(ulong a, ulong b, out ulong high, out ulong low)
    {
        ulong h = 0;
        ulong l = 0;
        for (int i = 0; i < 64; i++)
        {
            ulong mask = 0UL - ((b >> i) & 1);
            l ^= (a << i) & mask;
            // The bits of a << i that leave the low word; written as two shifts because a C#
            // shift by 64 is a shift by 0.
            h ^= ((a >> 1) >> (63 - i)) & mask;
        }

        high = h;
        low = l;
    }
}
