using TlsGateway.Crypto;

namespace TlsGateway.Tls;

/// <summary>What a TLS client context is built from (upstream origination, health checks, tests).</summary>
/// <param name="TrustBundlePem">Roots the server chain must end at. Null disables verification: only for tests and only explicitly.</param>
/// <param name="ClientCertificate">Presented when the server asks; null sends none.</param>
/// <param name="Authorizer">Checks the verified server identity (e.g. its SPIFFE ID) beyond the host name.</param>
/// <param name="RevocationList">
/// CRLs of the issuers of server certificates: PEM "X509 CRL" blocks or one DER CRL (see
/// <see cref="CertificateRevocationLists"/>). When set, a server leaf that is listed, or whose
/// issuer has no CRL here, or whose CRL is past its nextUpdate, fails the handshake (fail closed).
/// Null skips revocation checking; it cannot be combined with <paramref name="InsecureSkipVerify"/>.
/// </param>
public sealed record TlsClientOptions(
    TlsProfile Profile,
    byte[]? TrustBundlePem,
    CertificateKeyPair? ClientCertificate = null,
    IPeerAuthorizer? Authorizer = null,
    bool InsecureSkipVerify = false,
    byte[]? RevocationList = null);
