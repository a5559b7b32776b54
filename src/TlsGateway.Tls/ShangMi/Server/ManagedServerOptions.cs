namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What a managed TLS 1.3 server connection may negotiate (the rustls ServerConfig habit: an
/// immutable record built once, shared by every connection). A suite is only chosen when the
/// credential and group it needs are here too: the RFC 8998 suites need <see cref="ShangMiCredential"/>
/// and curveSM2, TLS_AES_128_GCM_SHA256 needs <see cref="EcdsaCredential"/> and secp256r1.
/// </summary>
/// <remarks>
/// Session tickets and PSK resumption are off unless <see cref="Tickets"/> is set (then only
/// psk_dhe_ke resumption with the server's own stateless tickets; see <see cref="SessionTicketOptions"/>).
/// Non-goals for now: 0-RTT, psk_ke, external PSKs, X25519 (not in .NET), RSA. Client certificates are always
/// checked for possession of the key (CertificateVerify). Their chains are validated against
/// <see cref="ClientTrustAnchors"/> (<see cref="CertificateChainValidator"/>: signatures with SM2-with-SM3
/// or ECDSA P-256/SHA-256, validity dates, CA flags, names, at most 8 certificates) only when that
/// list is non-empty: with <see cref="ClientCertificateMode.Required"/> and no anchors a client merely
/// proves it holds some key, which is not authentication. Revocation is not checked.
/// </remarks>
public sealed record ManagedServerOptions
{
    /// <summary>SM2 chain and key for TLS_SM4_GCM_SM3 / TLS_SM4_CCM_SM3 (sm2sig_sm3).</summary>
    public Sm2ServerCredential? ShangMiCredential { get; init; }

    /// <summary>ECDSA P-256 chain and key for TLS_AES_128_GCM_SHA256 (ecdsa_secp256r1_sha256).</summary>
    public EcdsaServerCredential? EcdsaCredential { get; init; }

    /// <summary>Suites in the server's order of preference (RFC 8446 §4.1.1 lets the server choose).</summary>
    public IReadOnlyList<Tls13CipherSuite> CipherSuites { get; init; } = Tls13CipherSuite.All;

    /// <summary>Key exchange groups in order of preference: curveSM2 and secp256r1 are implemented.</summary>
    public IReadOnlyList<NamedGroup> Groups { get; init; } = [NamedGroup.CurveSm2, NamedGroup.Secp256r1];

    /// <summary>ALPN protocols in order of preference (RFC 7301); empty: ALPN is not negotiated.</summary>
    public IReadOnlyList<string> ApplicationProtocols { get; init; } = [];

    public ClientCertificateMode ClientCertificates { get; init; } = ClientCertificateMode.Off;

    /// <summary>
    /// Runs on a client certificate after its chain validated (and on the certificate a ticket
    /// carries, at resumption): a refusal ends the handshake with access_denied (RFC 8446 §6.2), or
    /// makes a resumption fall back to a full handshake. Null accepts every validated client.
    /// </summary>
    public IPeerAuthorizer? ClientAuthorizer { get; init; }

    /// <summary>DER trust anchors for client certificates; when non-empty every client chain must lead to one (see remarks).</summary>
    public IReadOnlyList<byte[]> ClientTrustAnchors { get; init; } = [];

    /// <summary>
    /// Session tickets and resumption; null (the default): no NewSessionTicket is sent and a client's
    /// pre_shared_key is ignored, so every connection runs a full handshake. Off by default because
    /// tickets need keys the operator manages (and rotates) for the whole fleet.
    /// </summary>
    public SessionTicketOptions? Tickets { get; init; }

    /// <summary>The credential a suite signs with, or null if the options have none for it.</summary>
    public ManagedServerCredential? CredentialFor(Tls13CipherSuite suite) =>
        suite.IsShangMi ? ShangMiCredential : EcdsaCredential;

    /// <summary>The key exchange groups a suite is paired with: curveSM2 for RFC 8998 (§3.1), secp256r1 otherwise.</summary>
    public static bool GroupFits(Tls13CipherSuite suite, NamedGroup group) =>
        suite.IsShangMi ? group == NamedGroup.CurveSm2 : group == NamedGroup.Secp256r1;
}
