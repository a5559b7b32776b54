namespace TlsGateway.Tls;

/// <summary>Mutual TLS policy of a server name entry.</summary>
/// <param name="TrustBundlePem">PEM roots that client chains must end at. Required unless Mode is Off.</param>
/// <param name="Authorizer">Runs after the chain verifies; null allows any verified client.</param>
public sealed record ClientAuthOptions(ClientCertificateMode Mode, byte[]? TrustBundlePem = null, IPeerAuthorizer? Authorizer = null, int MaxChainDepth = 4)
{
    public static ClientAuthOptions Off { get; } = new(ClientCertificateMode.Off);
}
