namespace TlsGateway.Tls;

/// <summary>Whether a server asks for client certificates (mutual TLS).</summary>
public enum ClientCertificateMode
{
    /// <summary>No CertificateRequest is sent.</summary>
    Off,

    /// <summary>A certificate is requested; a client without one is let in unauthenticated, one with a bad one is refused.</summary>
    Optional,

    /// <summary>A client without a valid, authorized certificate is refused during the handshake.</summary>
    Required,
}
