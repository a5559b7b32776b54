using TlsGateway.Crypto;

namespace TlsGateway.Ca;

/// <summary>
/// How this process opens CA keys: the passphrase of encrypted PKCS#8 files, and the PKCS#11
/// module and PIN for token keys. A generation's key location (a path or pkcs11: URI) comes from
/// the store; these secrets never do.
/// </summary>
public sealed record CaKeyAccess(SecretSource? Passphrase, Pkcs11Options? Pkcs11 = null)
{
    public PrivateKeySource SourceFor(string keyLocation) =>
        PrivateKeySource.IsUri(keyLocation)
            ? new PrivateKeySource(keyLocation, null, Pkcs11)
            : new PrivateKeySource(keyLocation, Passphrase, null);
}
