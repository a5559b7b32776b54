using System.Security.Cryptography.X509Certificates;
using TlsGateway.Crypto;
using TlsGateway.Edge.Config;
using TlsGateway.Tls;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Edge;

/// <summary>
/// The ShangMi half of building a binding: SM2 certificates go to the managed engine, and each
/// filter chain becomes a <see cref="ShangMiRoute"/> for the listener's <see cref="ShangMiRouter"/>.
/// What the managed engine cannot do yet is refused at load, never silently skipped.
/// </summary>
public sealed partial class EdgeRuntime
{
    private static ShangMiCertificate LoadShangMiCertificate(FilterChainConfig chain, CertificateConfig certificate, ShangMiCertificate? earlier)
    {
        if (chain.ShangMi == ShangMiMode.Off)
        {
            throw new TlsConfigurationException($"certificate '{certificate.CertificateFile}' is an SM2 certificate, but the chain has sm: off");
        }

        if (earlier is not null)
        {
            throw new TlsConfigurationException("a filter chain can serve one SM2 certificate");
        }

        if (certificate.Ocsp is not null)
        {
            throw new TlsConfigurationException($"certificate '{certificate.CertificateFile}': OCSP stapling is not supported for SM2 certificates");
        }

        return ShangMiCertificate.Load(certificate);
    }

    // Combinations the managed engine would serve less safely than the config says are refused.
    private static void CheckShangMi(FilterChainConfig chain, ShangMiCertificate? sm2, int otherCertificates)
    {
        if (sm2 is null)
        {
            if (chain.ShangMi == ShangMiMode.Require)
            {
                throw new TlsConfigurationException("sm: require needs an SM2 certificate among the chain's certificates");
            }

            return;
        }

        if (otherCertificates == 0 && chain.ShangMi != ShangMiMode.Require)
        {
            throw new TlsConfigurationException(
                "the chain's only certificate is SM2, which only RFC 8998 clients can use: add an ECDSA or RSA certificate, or set sm: require");
        }

        if (chain.MatchAlpn is { Count: > 0 })
        {
            throw new TlsConfigurationException("an SM2 certificate cannot be served on a chain with match_alpn (the engine is chosen before ALPN)");
        }

        if (chain.ClientAuth.CrlFile is not null)
        {
            // Fail closed: the managed engine does not check revocation yet.
            throw new TlsConfigurationException("client_auth.crl is not supported with an SM2 certificate (the ShangMi engine does not check revocation yet)");
        }
    }

    // Tickets are sealed with the listener's ring, so its key file, SDS resource or rotation serves both engines.
    private static ShangMiRoute BuildShangMiRoute(FilterChainConfig chain, ShangMiCertificate? sm2, ClientAuthOptions clientAuth, TicketKeyRing ring)
    {
        ManagedServerOptions? options = sm2 is null ? null : new ManagedServerOptions
        {
            ShangMiCredential = sm2.Credential,
            // Only RFC 8998 clients reach the managed engine: the suites and group of RFC 8998 §2.
            CipherSuites = [Tls13CipherSuite.Sm4GcmSm3, Tls13CipherSuite.Sm4CcmSm3],
            Groups = [NamedGroup.CurveSm2],
            ApplicationProtocols = chain.Alpn,
            ClientCertificates = clientAuth.Mode,
            ClientTrustAnchors = clientAuth.TrustBundlePem is null ? [] : TrustAnchors(clientAuth.TrustBundlePem),
            ClientAuthorizer = clientAuth.Authorizer,
            Tickets = ring.ManagedTickets is { } protector ? new SessionTicketOptions(protector) : null,
        };
        return new ShangMiRoute(chain.Name, chain.ServerNames, chain.MatchAlpn is { Count: > 0 }, chain.ShangMi, options, sm2);
    }

    private static IReadOnlyList<byte[]> TrustAnchors(byte[] bundlePem)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPem(System.Text.Encoding.ASCII.GetString(bundlePem));
        byte[][] der = anchors.Select(a => a.RawData).ToArray();
        foreach (X509Certificate2 anchor in anchors)
        {
            anchor.Dispose();
        }

        return der;
    }
}
