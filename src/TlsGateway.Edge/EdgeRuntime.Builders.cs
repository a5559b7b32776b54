using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Interop;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Turning config records into what the TLS engine takes: certificates and keys, TLS profiles,
/// client-certificate policies and upstream TLS contexts. Pure builders, no runtime state.
/// </summary>
public sealed partial class EdgeRuntime
{
    // The client context holds OpenSSL's own references to the certificate and key; the pair is
    // added to `pairs` so the caller disposes the managed copies with the rest.
    private static UpstreamTls? BuildUpstreamTls(UpstreamTlsConfig? tls, List<CertificateKeyPair> pairs)
    {
        if (tls is null)
        {
            return null;
        }

        CertificateKeyPair? own = tls.Certificate is null ? null : LoadCertificate(tls.Certificate);
        if (own is not null)
        {
            pairs.Add(own);
        }

        byte[] bundle = PemFile.Read(tls.TrustBundleFile, CertificateKeyPair.MaxChainFileBytes, "upstream trust bundle");
        IPeerAuthorizer? authorizer = tls.AllowedSpiffeIds.Count > 0 ? new SpiffeAuthorizer(tls.AllowedSpiffeIds) : null;
        byte[]? crl = tls.CrlFile is null ? null : CertificateRevocationLists.ReadFile(tls.CrlFile);
        TlsProfile profile = BuildProfile(tls.Profile ?? TlsProfileConfig.Default);
        var context = TlsClientContext.Create(new TlsClientOptions(profile, bundle, own, authorizer, RevocationList: crl));
        return new UpstreamTls(context, tls.ServerName, tls.Alpn);
    }

    private static CertificateKeyPair LoadCertificate(CertificateConfig certificate) => CertificateKeyPair.Load(
        certificate.CertificateFile,
        new PrivateKeySource(
            certificate.Key,
            certificate.KeyPassphrase is null ? null : SecretSource.Parse(certificate.KeyPassphrase),
            new Pkcs11Options(certificate.Pkcs11Module, certificate.Pkcs11Pin is null ? null : SecretSource.Parse(certificate.Pkcs11Pin))));

    private static TlsProfile BuildProfile(TlsProfileConfig tls)
    {
        TlsProfile defaults = TlsProfile.Default;
        return new TlsProfile(
            tls.MinVersion is null ? defaults.MinVersion : TlsVersionNames.Parse(tls.MinVersion),
            tls.MaxVersion is null ? defaults.MaxVersion : TlsVersionNames.Parse(tls.MaxVersion),
            tls.CipherSuites ?? defaults.CipherSuites,
            tls.CipherList ?? defaults.CipherList,
            tls.Groups ?? defaults.Groups,
            tls.SignatureAlgorithms ?? defaults.SignatureAlgorithms);
    }

    private static ClientAuthOptions BuildClientAuth(ClientAuthConfig auth)
    {
        if (auth.Mode == ClientCertificateMode.Off)
        {
            return ClientAuthOptions.Off;
        }

        byte[] bundle = PemFile.Read(auth.TrustBundleFile!, CertificateKeyPair.MaxChainFileBytes, "trust bundle");
        byte[]? crl = auth.CrlFile is null ? null : CertificateRevocationLists.ReadFile(auth.CrlFile);
        return new ClientAuthOptions(auth.Mode, bundle, new SpiffeAuthorizer(auth.AllowedSpiffeIds, auth.AllowedTrustDomains, auth.AllowedDnsNames),
            RevocationList: crl);
    }
}
