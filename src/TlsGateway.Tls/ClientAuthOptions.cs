namespace TlsGateway.Tls;

/// <summary>Mutual TLS policy of a server name entry.</summary>
/// <param name="TrustBundlePem">PEM roots that client chains must end at. Required unless Mode is Off.</param>
/// <param name="Authorizer">Runs after the chain verifies; null allows any verified client.</param>
/// <param name="RevocationList">
/// CRLs of the issuers of client certificates: PEM "X509 CRL" blocks or one DER CRL (see
/// <see cref="CertificateRevocationLists"/>). When set, a client leaf that is listed, or whose
/// issuer has no CRL here, or whose CRL is past its nextUpdate, is refused (fail closed).
/// Null skips revocation checking.
/// </param>
public sealed record ClientAuthOptions(ClientCertificateMode Mode, byte[]? TrustBundlePem = null, IPeerAuthorizer? Authorizer = null, int MaxChainDepth = 4,
    byte[]? RevocationList = null)
{
    public static ClientAuthOptions Off { get; } = new(ClientCertificateMode.Off);
}
