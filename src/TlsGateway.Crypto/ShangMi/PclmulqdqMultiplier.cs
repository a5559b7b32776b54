using System.Runtime.Intrinsics;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>Carry-less multiply with x86 PCLMULQDQ (constant-time in hardware).</summary>
internal readonly struct PclmulqdqMultiplier : ICarrylessMultiplier
{
    public static void Multiply(ulong a, ulong b, out ulong high, out ulong low)
    {
        Vector128<ulong> product = System.Runtime.Intrinsics.X86.Pclmulqdq.CarrylessMultiply(
            Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b), 0x00);
        low = product.GetElement(0);
        high = product.GetElement(1);
    }
}
