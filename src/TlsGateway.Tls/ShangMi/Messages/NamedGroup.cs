namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Key exchange groups (RFC 8446 §4.2.7) plus curveSM2 (RFC 8998 §2). Unknown values pass through
/// as plain numbers; a group is only ever compared, never trusted to be one of these.
/// </summary>
public enum NamedGroup : ushort
{
    Secp256r1 = 23,
    Secp384r1 = 24,
    Secp521r1 = 25,
    X25519 = 29,
    X448 = 30,

    /// <summary>The SM2 curve (GB/T 32918.5) for ECDHE, RFC 8998 §2.</summary>
    CurveSm2 = 41,

    Ffdhe2048 = 256,
    Ffdhe3072 = 257,
    Ffdhe4096 = 258,
    Ffdhe6144 = 259,
    Ffdhe8192 = 260,
}
