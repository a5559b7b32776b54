namespace TlsGateway.Tls.ShangMi;

/// <summary>PSK key exchange modes (RFC 8446 §4.2.9).</summary>
public enum PskKeyExchangeMode : byte
{
    /// <summary>PSK-only: no (EC)DHE, so no forward secrecy; this engine never accepts it.</summary>
    PskKe = 0,

    /// <summary>PSK with (EC)DHE: the mode resumption uses here.</summary>
    PskDheKe = 1,
}
