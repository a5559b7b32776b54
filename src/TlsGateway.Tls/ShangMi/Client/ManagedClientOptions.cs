using System.Net;

namespace TlsGateway.Tls.ShangMi;

/// <summary>
/// What a managed TLS 1.3 client connection offers and accepts (the rustls ClientConfig habit: an
/// immutable record built once). The server's chain must lead to one of <see cref="TrustAnchors"/>
/// (<see cref="CertificateChainValidator"/>) and its leaf must name <see cref="ServerName"/>; with no
/// anchors the client refuses to start, since it could authenticate nobody.
/// </summary>
/// <remarks>
/// The client credential reuses the server's credential types (<see cref="Sm2ServerCredential"/>,
/// <see cref="EcdsaServerCredential"/>): they sign whatever CertificateVerify content they are given,
/// and the client builds its own ("TLS 1.3, client CertificateVerify", RFC 8446 §4.4.3), so only the
/// names say "server". Non-goals: 0-RTT, PSK-only key exchange (psk_ke), external PSKs,
/// post-handshake authentication, revocation and name constraints for server chains.
/// </remarks>
public sealed record ManagedClientOptions
{
    /// <summary>The host name sent in server_name (RFC 6066 §3) that the leaf's dNSName SAN must match, or an IP address its iPAddress SAN must hold.</summary>
    public required string ServerName { get; init; }

    /// <summary>DER trust anchors the server's chain must lead to; at least one.</summary>
    public IReadOnlyList<byte[]> TrustAnchors { get; init; } = [];

    /// <summary>Suites in the client's order of preference (the server chooses, RFC 8446 §4.1.1).</summary>
    public IReadOnlyList<Tls13CipherSuite> CipherSuites { get; init; } = Tls13CipherSuite.All;

    /// <summary>Groups in order of preference; the first gets a key share, a HelloRetryRequest may ask for another (§4.1.4).</summary>
    public IReadOnlyList<NamedGroup> Groups { get; init; } = [NamedGroup.CurveSm2, NamedGroup.Secp256r1];

    /// <summary>ALPN protocols offered (RFC 7301); empty: no ALPN.</summary>
    public IReadOnlyList<string> ApplicationProtocols { get; init; } = [];

    /// <summary>Presented when the server asks (CertificateRequest) and its scheme is acceptable there; an empty Certificate otherwise.</summary>
    public ManagedServerCredential? ClientCredential { get; init; }

    /// <summary>A session from an earlier connection to offer for resumption (RFC 8446 §2.2); the caller keeps ownership.</summary>
    public ManagedClientSession? Session { get; init; }

    /// <summary>The clock for certificate validity and ticket ages.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>True when <see cref="ServerName"/> is an IP address literal (then server_name is not sent, RFC 6066 §3).</summary>
    internal bool ServerNameIsAddress => IPAddress.TryParse(ServerName, out _);

    /// <summary>Throws <see cref="ArgumentException"/> for options no handshake could succeed with.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ServerName))
        {
            throw new ArgumentException("a server name is needed: the server's certificate is checked against it", nameof(ServerName));
        }

        if (TrustAnchors.Count == 0)
        {
            throw new ArgumentException("at least one trust anchor is needed to authenticate the server", nameof(TrustAnchors));
        }

        if (CipherSuites.Count == 0)
        {
            throw new ArgumentException("no cipher suite to offer", nameof(CipherSuites));
        }

        if (Groups.Count == 0 || Groups.Any(g => !EphemeralKeyShare.IsImplemented(g)) || Groups.Distinct().Count() != Groups.Count)
        {
            throw new ArgumentException("groups must be distinct and each one curveSM2 or secp256r1", nameof(Groups));
        }
    }
}
