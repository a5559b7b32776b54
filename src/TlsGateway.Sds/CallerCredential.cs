namespace TlsGateway.Sds;

/// <summary>How a caller of the CA API proved who it is.</summary>
public enum CallerCredential
{
    /// <summary>A client certificate from this CA, current and not revoked, whose SPIFFE ID is the caller.</summary>
    ClientCertificate,
    /// <summary>A one-time bootstrap token, now spent, that enrols the caller as its identity.</summary>
    BootstrapToken,
}
