namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Protocol version numbers as carried by legacy_version and supported_versions (RFC 8446 §4.1.2,
/// §4.2.1). Only TLS 1.3 is negotiated here; the others exist to be recognised and refused.
/// </summary>
public static class ProtocolVersion
{
    public const ushort Tls10 = 0x0301;
    public const ushort Tls11 = 0x0302;

    /// <summary>TLS 1.2, and the legacy_version every TLS 1.3 hello carries (§4.1.2).</summary>
    public const ushort Tls12 = 0x0303;

    public const ushort Tls13 = 0x0304;
}
