namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// A 64×64 → 128-bit carry-less (GF(2)[x]) multiplication. <see cref="Ghash"/> is generic over
/// the implementations so each backend gets its own compiled loop without a per-block branch,
/// and every backend shares the one field reduction, which the portable backend therefore
/// tests on any machine.
/// </summary>
internal interface ICarrylessMultiplier
{
    static abstract void Multiply(ulong a, ulong b, out ulong high, out ulong low);
}
