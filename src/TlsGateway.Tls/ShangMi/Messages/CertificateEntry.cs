namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// One CertificateEntry (RFC 8446 §4.4.2): a DER X.509 certificate (this engine does not negotiate
/// raw public keys) and its per-certificate extensions (status_request, signed_certificate_timestamp).
/// </summary>
public sealed record CertificateEntry(ReadOnlyMemory<byte> CertData, IReadOnlyList<TlsExtension> Extensions)
{
    public CertificateEntry(ReadOnlyMemory<byte> certData)
        : this(certData, [])
    {
    }
}
