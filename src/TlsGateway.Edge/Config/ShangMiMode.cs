namespace TlsGateway.Edge.Config;

/// <summary>
/// Whether a filter chain serves RFC 8998 (ShangMi) clients with its SM2 certificate (`sm:` in a
/// filter chain; docs/config.md). The edge reads each ClientHello before choosing an engine: a
/// client offering TLS_SM4_GCM_SM3 or TLS_SM4_CCM_SM3 with curveSM2 goes to the managed ShangMi
/// engine, everyone else to OpenSSL.
/// </summary>
public enum ShangMiMode
{
    /// <summary>Never: every client gets OpenSSL; an SM2 certificate on the chain is a config error.</summary>
    Off,

    /// <summary>ShangMi clients get the SM2 certificate when the chain has one; others get OpenSSL. The default.</summary>
    Prefer,

    /// <summary>Only ShangMi clients are served; others are refused with handshake_failure before any crypto.</summary>
    Require,
}
