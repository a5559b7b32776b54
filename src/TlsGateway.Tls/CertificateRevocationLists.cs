using TlsGateway.Crypto;
using TlsGateway.Interop;

namespace TlsGateway.Tls;

/// <summary>
/// CRLs for peer-certificate verification (RFC 5280 section 5): client certificates at the edge
/// (<see cref="ClientAuthOptions"/>) and upstream server certificates (<see cref="TlsClientOptions"/>),
/// as bytes or a file: PEM "X509 CRL" blocks as the CA serves them at GET /ca/crl.pem, or one
/// DER CRL. Checked by parsing with OpenSSL itself, so what passes here is what the trust store
/// will accept. Signatures and dates are checked per handshake, against the issuer in the peer's chain.
/// Non-goal: fetching CRLs (a job writes the file; the edge reloads it) and delta CRLs.
/// </summary>
public static class CertificateRevocationLists
{
    /// <summary>A CRL listing tens of thousands of serials stays well under this.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Throws <see cref="TlsConfigurationException"/> unless <paramref name="data"/> holds at least one CRL.</summary>
    public static void Check(ReadOnlySpan<byte> data, string what)
    {
        try
        {
            using SafeRevocationListHandle crls = NativeCertificates.LoadRevocationLists(data, what);
        }
        catch (OpenSslException e)
        {
            throw new TlsConfigurationException($"not a CRL: {e.Message}", e);
        }
    }

    /// <summary>Reads and checks a CRL file; I/O problems and malformed content both throw <see cref="TlsConfigurationException"/>.</summary>
    public static byte[] ReadFile(string path)
    {
        byte[] data;
        try
        {
            data = PemFile.Read(path, MaxFileBytes, "CRL");
        }
        catch (CryptoConfigurationException e)
        {
            throw new TlsConfigurationException(e.Message, e);
        }

        Check(data, $"file '{path}'");
        return data;
    }
}
