namespace TlsGateway.Ca;

/// <summary>A freshly issued certificate with everything a workload needs beside its key.</summary>
/// <param name="Chain">Intermediates from the issuer up to (not including) the root.</param>
/// <param name="TrustedRoots">Every root currently in the trust bundle (old and new during a rotation).</param>
public sealed record IssuedIdentity(
    string Serial,
    string SpiffeId,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    byte[] Certificate,
    IReadOnlyList<byte[]> Chain,
    IReadOnlyList<byte[]> TrustedRoots)
{
    /// <summary>cert.pem: the leaf, then its intermediates.</summary>
    public string CertificateChainPem => PemText.Encode("CERTIFICATE", Certificate) + PemText.EncodeAll("CERTIFICATE", Chain);

    /// <summary>bundle.pem: the trusted roots.</summary>
    public string BundlePem => PemText.EncodeAll("CERTIFICATE", TrustedRoots);
}
