namespace TlsGateway.Storage;

/// <summary>CRLReason codes, numbered as in RFC 5280 §5.3.1 (7 is unused there too).</summary>
public enum RevocationReason
{
    Unspecified = 0,
    KeyCompromise = 1,
    CaCompromise = 2,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
    PrivilegeWithdrawn = 9,
}
