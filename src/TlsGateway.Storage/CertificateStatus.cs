namespace TlsGateway.Storage;

/// <summary>Ledger status. "Expired" is not a status: it follows from NotAfter and the clock.</summary>
public enum CertificateStatus
{
    Active = 0,
    Revoked = 1,
}
