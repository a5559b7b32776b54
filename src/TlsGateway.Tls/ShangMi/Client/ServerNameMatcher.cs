using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// Whether a server's leaf certificate names the server the client asked for (RFC 6125 §6, RFC 5280
/// §4.2.1.6): a host name must match a dNSName SAN (case-insensitively; a wildcard only as the whole
/// leftmost label, covering exactly one label), an IP address must equal an iPAddress SAN. The
/// subject's CN is not consulted (RFC 6125 §6.4.4 allows it only without SANs; nothing here issues those).
/// </summary>
internal static class ServerNameMatcher
{
    private const string SubjectAltNameOid = "2.5.29.17";

    public static bool Matches(X509Certificate2 leaf, string serverName)
    {
        if (leaf.Extensions[SubjectAltNameOid] is not { } extension)
        {
            return false;
        }

        var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
        try
        {
            if (IPAddress.TryParse(serverName, out IPAddress? address))
            {
                return names.EnumerateIPAddresses().Any(address.Equals);
            }

            string host = serverName.TrimEnd('.');
            return names.EnumerateDnsNames().Any(name => MatchesDnsName(name.TrimEnd('.'), host));
        }
        catch (CryptographicException e)
        {
            // The SAN is decoded only here (the chain validator does not read it): a malformed one is a bad certificate.
            throw new TlsProtocolException(AlertDescription.BadCertificate, $"the server's subjectAltName does not parse: {e.Message}");
        }
    }

    private static bool MatchesDnsName(string pattern, string host)
    {
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // "*.example.com" matches "a.example.com", not "example.com" or "a.b.example.com" (RFC 6125 §6.4.3).
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return false;
        }

        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(pattern[1..], host[dot..], StringComparison.OrdinalIgnoreCase);
    }
}
