using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// The CA API's own TLS certificate, issued by the CA it fronts: a fresh P-256 key that never
/// leaves this process, DNS names for clients that check host names, and the CA's SPIFFE ID for
/// those that check SPIFFE IDs. <see cref="Current"/> is an immutable snapshot that
/// <see cref="RenewIfDueAsync"/> swaps once half the lifetime has passed; if renewing fails the
/// old one stays until it is renewed or expires.
/// </summary>
public sealed class CaServingCertificate
{
    private readonly CertificateAuthority _authority;
    private readonly SpiffeId _identity;
    private readonly IReadOnlyList<string> _dnsNames;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private Snapshot _current = null!;

    private CaServingCertificate(CertificateAuthority authority, SpiffeId identity, IReadOnlyList<string> dnsNames, TimeSpan ttl, TimeProvider time)
    {
        _authority = authority;
        _identity = identity;
        _dnsNames = dnsNames;
        _ttl = ttl;
        _time = time;
    }

    /// <summary>What the TLS handshake presents: the leaf and the intermediates that signed it.</summary>
    public SslStreamCertificateContext Current => Volatile.Read(ref _current).Context;

    public X509Certificate2 Certificate => Volatile.Read(ref _current).Certificate;

    public SpiffeId Identity => _identity;

    /// <summary>The CA's own workload identity, <c>spiffe://TD/ns/tlsgw/sa/ca</c>.</summary>
    public static SpiffeId DefaultIdentity(string trustDomain) => SpiffeId.ForWorkload(trustDomain, "tlsgw", "ca");

    /// <summary>Issues the first certificate (as an operator: the CA names itself).</summary>
    /// <exception cref="IssuanceDeniedException">The CA cannot issue (no active generation, expired intermediate).</exception>
    public static async Task<CaServingCertificate> IssueAsync(CertificateAuthority authority, IReadOnlyList<string>? dnsNames = null,
        SpiffeId? identity = null, TimeSpan? ttl = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var serving = new CaServingCertificate(authority, identity ?? DefaultIdentity(authority.TrustDomain), dnsNames ?? ["localhost"],
            ttl ?? authority.Policy.DefaultTtl, time ?? TimeProvider.System);
        Volatile.Write(ref serving._current, await serving.IssueSnapshotAsync(cancellationToken).ConfigureAwait(false));
        return serving;
    }

    /// <summary>Whether half the current certificate's lifetime has passed.</summary>
    public bool RenewalDue
    {
        get
        {
            X509Certificate2 certificate = Certificate;
            DateTimeOffset notBefore = new(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            DateTimeOffset notAfter = new(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            return _time.GetUtcNow() >= notBefore + ((notAfter - notBefore) / 2);
        }
    }

    /// <summary>Renews when due; returns whether it did. Throws (keeping the current certificate) when the CA refuses.</summary>
    public async Task<bool> RenewIfDueAsync(CancellationToken cancellationToken = default)
    {
        if (!RenewalDue)
        {
            return false;
        }

        Volatile.Write(ref _current, await IssueSnapshotAsync(cancellationToken).ConfigureAwait(false));
        return true;
    }

    private async Task<Snapshot> IssueSnapshotAsync(CancellationToken cancellationToken)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(_identity.ToString()));
        foreach (string dns in _dnsNames)
        {
            names.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(names.Build());
        IssuedIdentity issued = await _authority.IssueAsync(
            new IssuanceRequest(request.CreateSigningRequest(), CaCaller.CurrentOperator, _identity, _ttl), cancellationToken).ConfigureAwait(false);
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(issued.Certificate);
        X509Certificate2 leaf = publicOnly.CopyWithPrivateKey(key);
        var intermediates = new X509Certificate2Collection();
        foreach (byte[] der in issued.Chain)
        {
            intermediates.Add(X509CertificateLoader.LoadCertificate(der));
        }

        // offline: the chain is complete as given; never fetch AIA or OCSP for our own certificate.
        return new Snapshot(leaf, SslStreamCertificateContext.Create(leaf, intermediates, offline: true));
    }

    private sealed record Snapshot(X509Certificate2 Certificate, SslStreamCertificateContext Context);
}
