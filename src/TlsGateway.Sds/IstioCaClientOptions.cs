using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>Where the remote CA is and how to trust and authenticate to it. Immutable.</summary>
/// <param name="Address"><c>https://host:port</c> of the CA's Istio CA API; TLS to it is OpenSSL's, never .NET's.</param>
/// <param name="RootBundlePath">PEM roots trusted for the CA's server certificate, and only those (re-read when the file changes).</param>
public sealed record IstioCaClientOptions(Uri Address, string RootBundlePath)
{
    /// <summary>PEM client certificate (leaf first, then intermediates) and its unencrypted PKCS#8 key; reloaded when either file changes.</summary>
    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    /// <summary>A bootstrap token (or other bearer credential) sent as <c>authorization: Bearer</c>.</summary>
    public string? BearerToken { get; init; }

    /// <summary>This agent's own identity when it has no client certificate to say so (a token-only agent).</summary>
    public SpiffeId? Identity { get; init; }

    /// <summary>Sent as the <c>ClusterID</c> header when set.</summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// When set, the server is authenticated by this SPIFFE ID in its certificate instead of by the
    /// host name of <see cref="Address"/> (the CA's certificate names itself, not every address it is
    /// reached by); no SNI is sent then, since the name it would carry is not the one checked.
    /// </summary>
    public SpiffeId? ServerIdentity { get; init; }

    /// <summary>Per-call deadline.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(10);
}
