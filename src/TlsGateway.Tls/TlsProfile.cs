namespace TlsGateway.Tls;

/// <summary>
/// The negotiable parameters of a TLS context, as OpenSSL strings. Immutable; validated by
/// <see cref="TlsProfileValidator"/> and then by OpenSSL itself when a context is built.
/// </summary>
/// <param name="CipherSuites">TLS 1.3 suites (SSL_CTX_set_ciphersuites syntax).</param>
/// <param name="CipherList">TLS 1.2 ciphers (SSL_CTX_set_cipher_list syntax).</param>
/// <param name="Groups">Key-exchange groups in preference order.</param>
/// <param name="SignatureAlgorithms">Null keeps OpenSSL's list, which already excludes SHA-1 at security level 2.</param>
public sealed record TlsProfile(
    TlsVersion MinVersion,
    TlsVersion MaxVersion,
    string CipherSuites,
    string CipherList,
    string Groups,
    string? SignatureAlgorithms)
{
    /// <summary>
    /// Modern defaults: TLS 1.2 and 1.3, AEAD suites with forward secrecy only (in line with
    /// Mozilla's "intermediate" profile and RFC 9325), X25519 first.
    /// </summary>
    public static TlsProfile Default { get; } = new(
        TlsVersion.Tls12,
        TlsVersion.Tls13,
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
        "X25519:P-256:P-384",
        null);
}
