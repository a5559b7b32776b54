namespace TlsGateway.Tls;

/// <summary>
/// Why a handshake or connection failed, coarse enough for one metric label per value.
/// The OpenSSL detail travels beside it in <see cref="TlsFailure"/>.
/// </summary>
public enum TlsFailureReason
{
    /// <summary>The handshake did not finish within the handshake timeout.</summary>
    Timeout,

    /// <summary>The peer closed the TCP connection before the handshake finished.</summary>
    PeerClosed,

    /// <summary>Bytes that are not TLS, or a TLS message that does not parse.</summary>
    Malformed,

    /// <summary>Plain HTTP sent to a TLS port.</summary>
    PlaintextHttp,

    /// <summary>No protocol version both sides allow (e.g. a TLS 1.1-only client).</summary>
    ProtocolVersion,

    /// <summary>No cipher suite both sides allow.</summary>
    NoSharedCipher,

    /// <summary>The client offered ALPN protocols none of which this entry serves.</summary>
    NoApplicationProtocol,

    /// <summary>mTLS required and the client sent no certificate.</summary>
    CertificateRequired,

    /// <summary>The peer certificate does not chain to a trusted root.</summary>
    UnknownCa,

    /// <summary>The peer certificate is outside its validity period.</summary>
    CertificateExpired,

    /// <summary>The peer certificate is listed on its issuer's CRL.</summary>
    CertificateRevoked,

    /// <summary>
    /// Revocation is checked but the peer's status cannot be known: its issuer has no CRL, or
    /// the CRL is past nextUpdate, not yet valid or badly signed. Refused (fail closed); usually
    /// the operator's CRL file needs refreshing, not the client's certificate.
    /// </summary>
    RevocationUnknown,

    /// <summary>The peer certificate failed verification for another reason (name, usage, signature).</summary>
    BadCertificate,

    /// <summary>The peer verified but the authorizer refused it.</summary>
    AuthorizationDenied,

    /// <summary>No entry serves the requested server name and unknown names are refused.</summary>
    UnrecognizedName,

    /// <summary>The peer sent a fatal alert.</summary>
    PeerAlert,

    /// <summary>Anything else; the detail says what.</summary>
    Other,
}
