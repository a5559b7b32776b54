namespace TlsGateway.Edge.Config;

/// <summary>
/// The validated `edge` section of tlsgw.yaml: immutable records, built by
/// <see cref="EdgeConfigReader"/> (which knows where each value came from) and checked by
/// <see cref="EdgeConfigValidator"/>. Runtime state lives elsewhere (<see cref="EdgeRuntime"/>).
/// </summary>
public sealed record EdgeConfig(IReadOnlyList<ListenerConfig> Listeners);

/// <summary>
/// One TLS listener and the filter chains it chooses between by SNI. With <paramref name="AccessLog"/>
/// every forwarded connection gets one line when it ends (category tlsgw.access). With
/// <paramref name="EventLoops"/> off, its connections take the task-based path even where the
/// event loops could run them (docs/edge-loop.md): a fallback, not a tuning knob.
/// </summary>
public sealed record ListenerConfig(
    string Name,
    System.Net.IPEndPoint Address,
    IReadOnlyList<FilterChainConfig> FilterChains,
    LimitsConfig Limits,
    SessionTicketConfig SessionTickets,
    bool RejectUnknownServerNames,
    bool AccessLog = false,
    bool EventLoops = true);

/// <summary>Per-listener limits. Zero handshakes per second means no rate limit.</summary>
public sealed record LimitsConfig(int MaxConnections, TimeSpan HandshakeTimeout, TimeSpan IdleTimeout, int MaxHandshakesPerSecond)
{
    public static LimitsConfig Default { get; } = new(10_000, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), 0);
}

/// <summary>Where ticket keys come from: a file of 80-byte keys shared by a fleet, an SDS agent, or local rotation.</summary>
/// <param name="KeysFile">Concatenated 80-byte keys (first encrypts), re-read on reload; null for local keys.</param>
/// <param name="RotateEvery">Local rotation period when no file is given.</param>
/// <param name="Sds">
/// The keys come from this SDS resource; the host mirrors it into <see cref="KeysFile"/> before
/// the edge sees the config (see docs/config.md, "Secrets from SDS").
/// </param>
public sealed record SessionTicketConfig(string? KeysFile, TimeSpan RotateEvery, SdsSourceConfig? Sds = null)
{
    public static SessionTicketConfig Default { get; } = new(null, TimeSpan.FromHours(12));
}

/// <summary>What a set of server names gets: certificates, TLS profile, mTLS policy, ALPN and an upstream.</summary>
/// <param name="ServerNames">Exact or one-label wildcard names; empty marks the listener's default chain.</param>
/// <param name="MatchAlpn">Serve these names only to clients offering one of these ALPN protocols; empty: any client.</param>
/// <param name="ShangMi">Whether RFC 8998 clients get the chain's SM2 certificate from the managed engine (<see cref="ShangMiMode"/>).</param>
public sealed record FilterChainConfig(
    string Name,
    IReadOnlyList<string> ServerNames,
    IReadOnlyList<CertificateConfig> Certificates,
    TlsProfileConfig Tls,
    ClientAuthConfig ClientAuth,
    IReadOnlyList<string> Alpn,
    UpstreamConfig Upstream,
    IReadOnlyList<string>? MatchAlpn = null,
    ShangMiMode ShangMi = ShangMiMode.Prefer);

/// <summary>A certificate chain file and its key (a path or a pkcs11:/store URI), and where its OCSP staple comes from.</summary>
/// <param name="Sds">
/// The certificate and key come from this SDS resource; the host mirrors it into
/// <see cref="CertificateFile"/> and <see cref="Key"/> (empty until then) before the edge sees the config.
/// </param>
public sealed record CertificateConfig(string CertificateFile, string Key, string? KeyPassphrase, string? Pkcs11Module, string? Pkcs11Pin,
    OcspConfig? Ocsp = null, SdsSourceConfig? Sds = null);

/// <summary>An SDS resource: the agent's Unix socket and the secret's name (docs/sds.md).</summary>
public sealed record SdsSourceConfig(string Socket, string Name);

/// <summary>
/// OCSP stapling for one certificate: a DER response read from <see cref="StapleFile"/>, or fetched
/// from <see cref="Responder"/> (null with a responder: the URL in the certificate's AIA extension).
/// The chain file must hold the issuer after the leaf, to build requests and check responses.
/// </summary>
public sealed record OcspConfig(string? StapleFile, Uri? Responder, bool FromResponder);

/// <summary>TLS parameters; null keeps the secure default (TlsProfile.Default).</summary>
public sealed record TlsProfileConfig(string? MinVersion, string? MaxVersion, string? CipherSuites, string? CipherList, string? Groups, string? SignatureAlgorithms)
{
    public static TlsProfileConfig Default { get; } = new(null, null, null, null, null, null);
}

/// <summary>Mutual TLS policy: off, optional or required, the trust bundle, the allow-lists and the CRL.</summary>
/// <param name="CrlFile">CRLs of the client certificates' issuers (PEM or one DER CRL), re-read on reload; null checks no revocation.</param>
public sealed record ClientAuthConfig(
    Tls.ClientCertificateMode Mode,
    string? TrustBundleFile,
    IReadOnlyList<string> AllowedSpiffeIds,
    IReadOnlyList<string> AllowedTrustDomains,
    IReadOnlyList<string> AllowedDnsNames,
    string? CrlFile = null)
{
    public static ClientAuthConfig Off { get; } = new(Tls.ClientCertificateMode.Off, null, [], [], []);
}

/// <summary>Where a chain forwards to, and how.</summary>
/// <param name="EjectAfterFailures">Consecutive connect failures that take an endpoint out of rotation.</param>
/// <param name="EjectFor">How long an ejected endpoint stays out before it is tried again.</param>
/// <param name="ProxyProtocol">Send a PROXY protocol v2 header with the client address and TLS facts first.</param>
/// <param name="Tls">Originate TLS (mutual TLS with a certificate) to the upstream; null forwards plaintext.</param>
public sealed record UpstreamConfig(
    IReadOnlyList<System.Net.EndPoint> Endpoints,
    LoadBalancing Balance,
    TimeSpan ConnectTimeout,
    int EjectAfterFailures,
    TimeSpan EjectFor,
    bool ProxyProtocol,
    UpstreamTlsConfig? Tls = null);

/// <summary>
/// TLS from the edge to its upstream. The upstream's certificate must chain to the bundle and
/// match <see cref="ServerName"/> (RFC 6125) or carry one of <see cref="AllowedSpiffeIds"/>.
/// </summary>
/// <param name="Certificate">The edge's own certificate (its workload identity) for mutual TLS; null sends none.</param>
/// <param name="CrlFile">CRLs of the upstream certificates' issuers (PEM or one DER CRL), re-read on reload; null checks no revocation.</param>
/// <param name="Profile">Versions, suites and groups offered to the upstream, as a chain's <c>tls</c>; null for the defaults.</param>
public sealed record UpstreamTlsConfig(
    string TrustBundleFile,
    string? ServerName,
    CertificateConfig? Certificate,
    IReadOnlyList<string> AllowedSpiffeIds,
    IReadOnlyList<string> Alpn,
    string? CrlFile = null,
    TlsProfileConfig? Profile = null);

/// <summary>How a chain picks among healthy endpoints.</summary>
public enum LoadBalancing
{
    RoundRobin,
    LeastConnections,
}
