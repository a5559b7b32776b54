namespace TlsGateway.Interop;

/// <summary>
/// X509_V_ERR_* results of peer verification (SSL_get_verify_result) the engine classifies
/// failures by. Mirrors TlsGwVerifyResult in native/pal_x509.h, where each value is checked
/// against OpenSSL's x509_vfy.h at compile time. Any other value is a valid result too.
/// </summary>
public enum X509VerifyResult
{
    Ok = 0,
    UnableToGetIssuerCert = 2,
    UnableToGetCrl = 3,
    CrlSignatureFailure = 8,
    CertNotYetValid = 9,
    CertHasExpired = 10,
    CrlNotYetValid = 11,
    CrlHasExpired = 12,
    DepthZeroSelfSigned = 18,
    SelfSignedInChain = 19,
    UnableToGetIssuerCertLocally = 20,
    UnableToVerifyLeafSignature = 21,
    CertRevoked = 23,
    UnableToGetCrlIssuer = 33,
}
