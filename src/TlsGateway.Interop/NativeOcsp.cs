namespace TlsGateway.Interop;

/// <summary>What an OCSP response says about a certificate (RFC 6960 CertStatus).</summary>
public enum OcspCertificateStatus
{
    Good = 0,
    Revoked = 1,
    Unknown = 2,
}

/// <summary>A checked OCSP response: status and validity window (Unix seconds; NextUpdate 0 if absent).</summary>
public readonly record struct OcspResponseInfo(OcspCertificateStatus Status, long ThisUpdate, long NextUpdate);

/// <summary>OCSP requests and responses for stapling, checked by OpenSSL against the served chain (leaf, issuer).</summary>
public static class NativeOcsp
{
    /// <summary>A DER OCSPRequest for chain[0] issued by chain[1].</summary>
    public static byte[] BuildRequest(SafeCertificateChainHandle chain)
    {
        int length = TlsGwNative.OcspBuildRequest(chain, default, 0);
        byte[] request = length > 0 ? new byte[length] : throw OpenSslException.FromErrorQueue("build OCSP request (does the chain file include the issuer?)");
        if (TlsGwNative.OcspBuildRequest(chain, request, request.Length) != length)
        {
            throw OpenSslException.FromErrorQueue("build OCSP request");
        }

        return request;
    }

    /// <summary>Checks a DER OCSPResponse for chain[0]; null if it is not a valid, current response signed for that certificate.</summary>
    public static OcspResponseInfo? CheckResponse(SafeCertificateChainHandle chain, ReadOnlySpan<byte> response)
    {
        if (TlsGwNative.OcspCheckResponse(chain, response, response.Length, out int status, out long thisUpdate, out long nextUpdate) != 1)
        {
            OpenSslErrorQueue.Clear();
            return null;
        }

        return new OcspResponseInfo((OcspCertificateStatus)status, thisUpdate, nextUpdate);
    }

    /// <summary>Staples <paramref name="response"/> (empty removes it) whenever <paramref name="ctx"/> serves chain[0].</summary>
    public static void SetStaple(SafeSslContextHandle ctx, SafeCertificateChainHandle chain, ReadOnlySpan<byte> response)
    {
        if (TlsGwNative.SslCtxSetOcspStaple(ctx, chain, response, response.Length) != 1)
        {
            throw OpenSslException.FromErrorQueue("install OCSP staple");
        }
    }
}
