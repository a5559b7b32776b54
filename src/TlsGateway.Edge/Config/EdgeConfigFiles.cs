using TlsGateway.Crypto;

namespace TlsGateway.Edge.Config;

/// <summary>Every file an edge config reads at load: what a file watcher must watch to reload on change.</summary>
public static class EdgeConfigFiles
{
    public static IEnumerable<string> Enumerate(EdgeConfig config)
    {
        foreach (ListenerConfig listener in config.Listeners)
        {
            if (listener.SessionTickets.KeysFile is { } keys)
            {
                yield return keys;
            }

            foreach (FilterChainConfig chain in listener.FilterChains)
            {
                IEnumerable<CertificateConfig> certificates = chain.Upstream.Tls?.Certificate is { } own
                    ? chain.Certificates.Append(own)
                    : chain.Certificates;
                foreach (CertificateConfig certificate in certificates)
                {
                    yield return certificate.CertificateFile;
                    if (certificate.Ocsp?.StapleFile is { } staple)
                    {
                        yield return staple;
                    }

                    if (PrivateKeySource.LocalFile(certificate.Key) is { } keyFile)
                    {
                        yield return keyFile;
                    }
                }

                if (chain.ClientAuth.TrustBundleFile is { } bundle)
                {
                    yield return bundle;
                }

                if (chain.ClientAuth.CrlFile is { } crl)
                {
                    yield return crl;
                }

                if (chain.Upstream.Tls is { } upstreamTls)
                {
                    yield return upstreamTls.TrustBundleFile;
                    if (upstreamTls.CrlFile is { } upstreamCrl)
                    {
                        yield return upstreamCrl;
                    }
                }
            }
        }
    }
}
