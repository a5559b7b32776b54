namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What the edge needs from a ClientHello to pick an engine and a filter chain. Lists are empty
/// when the extension is absent (a TLS 1.2 client sends no supported_versions).
/// </summary>
public sealed record ClientHelloSummary(
    ushort LegacyVersion,
    IReadOnlyList<ushort> CipherSuites,
    IReadOnlyList<ushort> SupportedVersions,
    IReadOnlyList<NamedGroup> SupportedGroups,
    IReadOnlyList<NamedGroup> KeyShareGroups,
    IReadOnlyList<SignatureScheme> SignatureAlgorithms,
    string? ServerName,
    IReadOnlyList<string> ApplicationProtocols)
{
    /// <summary>TLS 1.3 is offered only through supported_versions (RFC 8446 §4.2.1), never legacy_version.</summary>
    public bool OffersTls13 => SupportedVersions.Contains(ProtocolVersion.Tls13);

    /// <summary>
    /// An RFC 8998 client: it offers TLS_SM4_GCM_SM3 or TLS_SM4_CCM_SM3, TLS 1.3, and curveSM2 in
    /// supported_groups or key_share. Whether sm2sig_sm3 is offered is left to the engine, which
    /// answers a client without it with handshake_failure like any other mismatch.
    /// </summary>
    public bool OffersShangMi =>
        CipherSuites.Any(CipherSuiteId.IsShangMi)
        && OffersTls13
        && (SupportedGroups.Contains(NamedGroup.CurveSm2) || KeyShareGroups.Contains(NamedGroup.CurveSm2));
}
