namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// A certificate chain (DER, end-entity first) and the private key of its leaf, as the managed
/// TLS 1.3 server presents them in Certificate and proves in CertificateVerify (RFC 8446 §4.4.2,
/// §4.4.3). One subclass per key family: the family fixes the one signature scheme it signs with.
/// The credential does not own the key: whoever built the options disposes it.
/// </summary>
public abstract class ManagedServerCredential
{
    private protected ManagedServerCredential(IReadOnlyList<byte[]> certificateChain)
    {
        if (certificateChain.Count == 0)
        {
            throw new ArgumentException("a credential needs at least its end-entity certificate", nameof(certificateChain));
        }

        CertificateChain = [.. certificateChain];
    }

    /// <summary>DER certificates, end-entity first (RFC 8446 §4.4.2).</summary>
    public IReadOnlyList<byte[]> CertificateChain { get; }

    /// <summary>The scheme every CertificateVerify of this credential carries.</summary>
    public abstract SignatureScheme Scheme { get; }

    /// <summary>Signs the CertificateVerify content (RFC 8446 §4.4.3) and returns the DER signature.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> content);
}
