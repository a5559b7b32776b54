namespace TlsGateway.Ca;

/// <summary>Why the CA refused to issue; one audit/metric label per value.</summary>
public enum DenialReason
{
    /// <summary>Not PEM or DER, or not a PKCS#10 structure.</summary>
    Malformed,
    /// <summary>Larger than <see cref="CsrParser.MaxCsrBytes"/>.</summary>
    Oversized,
    /// <summary>The CSR's self-signature does not verify with its own key.</summary>
    BadSignature,
    /// <summary>RSA below 2048 bits or an elliptic curve the CA does not accept.</summary>
    WeakKey,
    /// <summary>A key or signature algorithm the CA does not accept.</summary>
    UnsupportedAlgorithm,
    /// <summary>The CSR asks for basicConstraints CA:TRUE.</summary>
    CaRequested,
    /// <summary>The CSR requests an extension the policy does not allow.</summary>
    ExtensionNotAllowed,
    /// <summary>The CSR asks for an identity other than the caller's, or for several.</summary>
    IdentityMismatch,
    /// <summary>The SPIFFE ID breaks the SPIFFE rules or belongs to another trust domain.</summary>
    InvalidIdentity,
    /// <summary>A DNS name the policy does not allow for this caller, or not a valid name; or an IP address SAN asked by a non-operator.</summary>
    DnsNameNotAllowed,
    /// <summary>The requested lifetime is zero, negative or unparseable.</summary>
    InvalidTtl,
    /// <summary>The CA has no active signing generation, or its intermediate has expired.</summary>
    CaUnavailable,
}
