namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// The server's choices for one ClientHello: suite, group, the credential that will sign, the ALPN
/// protocol, and the client's share for the group — null when the client sent none for it and a
/// HelloRetryRequest must ask for one (RFC 8446 §4.1.4).
/// </summary>
internal sealed record ServerNegotiation(
    Tls13CipherSuite Suite,
    NamedGroup Group,
    ManagedServerCredential Credential,
    string? ApplicationProtocol,
    KeyShareEntry? ClientShare);
