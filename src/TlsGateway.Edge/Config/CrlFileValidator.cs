using TlsGateway.Config;
using TlsGateway.Tls;

namespace TlsGateway.Edge.Config;

/// <summary>
/// Checks that every `client_auth.crl` and `upstream.tls.crl` file can be read and holds a CRL,
/// and reports a bad one against its line in the config. CRL files are rewritten by a job outside
/// tlsgw (fetched from the CA's GET /ca/crl.pem), so a truncated or wrong file is a likely mistake;
/// it is named here rather than later as a failed TLS context. The runtime reads the file again
/// when it builds the context, and a reload that finds it broken keeps the previous configuration serving.
/// </summary>
public static class CrlFileValidator
{
    public static void Validate(EdgeConfig config, SourceMap map, string root)
    {
        for (int l = 0; l < config.Listeners.Count; l++)
        {
            ListenerConfig listener = config.Listeners[l];
            for (int c = 0; c < listener.FilterChains.Count; c++)
            {
                FilterChainConfig chain = listener.FilterChains[c];
                string chainPath = $"{root}.listeners[{l}].filter_chains[{c}]";
                Check(chain.ClientAuth.CrlFile, map, $"{chainPath}.client_auth.crl");
                Check(chain.Upstream.Tls?.CrlFile, map, $"{chainPath}.upstream.tls.crl");
            }
        }
    }

    private static void Check(string? file, SourceMap map, string key)
    {
        if (file is null)
        {
            return;
        }

        try
        {
            CertificateRevocationLists.ReadFile(file);
        }
        catch (TlsConfigurationException e)
        {
            throw map.Error(key, e.Message);
        }
    }
}
