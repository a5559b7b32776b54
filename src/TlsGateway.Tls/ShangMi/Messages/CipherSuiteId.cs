namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Cipher suite code points as they appear on the wire (RFC 8446 §B.4, RFC 8998 §2). Plain
/// <see cref="ushort"/> constants rather than an enum: a ClientHello carries any number of values
/// this engine has never heard of (GREASE, TLS 1.2 suites) and they are compared, not named.
/// </summary>
public static class CipherSuiteId
{
    public const ushort TlsAes128GcmSha256 = 0x1301;
    public const ushort TlsAes256GcmSha384 = 0x1302;
    public const ushort TlsChaCha20Poly1305Sha256 = 0x1303;
    public const ushort TlsAes128CcmSha256 = 0x1304;
    public const ushort TlsAes128Ccm8Sha256 = 0x1305;

    /// <summary>TLS_SM4_GCM_SM3, RFC 8998 §2.</summary>
    public const ushort TlsSm4GcmSm3 = 0x00C6;

    /// <summary>TLS_SM4_CCM_SM3, RFC 8998 §2.</summary>
    public const ushort TlsSm4CcmSm3 = 0x00C7;

    /// <summary>Signalling value of RFC 5746 §3.3; TLS 1.3 clients may still send it.</summary>
    public const ushort TlsEmptyRenegotiationInfoScsv = 0x00FF;

    /// <summary>True for the two RFC 8998 suites.</summary>
    public static bool IsShangMi(ushort suite) => suite is TlsSm4GcmSm3 or TlsSm4CcmSm3;
}
