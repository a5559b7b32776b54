using System.Runtime.Intrinsics;

namespace TlsGateway.Crypto.ShangMi;

/// <summary>
/// Carry-less multiply with Arm64 PMULL. Only the 64-bit multiply is Arm-specific; the rest of
/// GHASH is the code the x86 and portable backends run (and the tests cover on x86).
/// </summary>
internal readonly struct PmullMultiplier : ICarrylessMultiplier
{
    public static void Multiply(ulong a, ulong b, out ulong high, out ulong low)
    {
        Vector128<ulong> product = System.Runtime.Intrinsics.Arm.Aes.PolynomialMultiplyWideningLower(
            Vector64.Create(a), Vector64.Create(b));
        low = product.GetElement(0);
        high = product.GetElement(1);
    }
}
