namespace TlsGateway.Crypto.ShangMi;

/// <summary>Where <see cref="Ghash"/> gets its 64×64-bit carry-less multiplications.</summary>
public enum GhashBackend
{
    /// <summary>Shifts and masks, no table lookups and no branches on data: slow but constant-time.</summary>
    Portable,

    /// <summary>x86 PCLMULQDQ.</summary>
    Pclmulqdq,

    /// <summary>Arm64 PMULL (the AES extension's polynomial multiply).</summary>
    ArmPmull,
}
