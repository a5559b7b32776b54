using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// The CA API's own TLS certificate, issued by the CA it fronts: a fresh P-256 key that never
/// leaves this process (it goes from the CSR's key straight into OpenSSL, and the exported bytes
/// are wiped), DNS names for clients that check host names, and the CA's SPIFFE ID for those that
/// check SPIFFE IDs. <see cref="Current"/> is an immutable snapshot that
/// <see cref="RenewIfDueAsync"/> swaps once half the lifetime has passed; if renewing fails the
/// old one stays until it is renewed or expires.
/// </summary>
/// <remarks>
/// A replaced snapshot's OpenSSL handles are released at once: TLS contexts already built from
/// it hold their own references, and one being built from it at that moment fails with
/// <see cref="ObjectDisposedException"/> and is built again from the new snapshot
/// (<see cref="CaTlsSource"/>).
/// </remarks>
public sealed class CaServingCertificate
{
    private readonly CertificateAuthority _authority;
    private readonly SpiffeId _identity;
    private readonly IReadOnlyList<string> _dnsNames;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private CaServingSnapshot _current = null!;

    private CaServingCertificate(CertificateAuthority authority, SpiffeId identity, IReadOnlyList<string> dnsNames, TimeSpan ttl, TimeProvider time)
    {
        _authority = authority;
        _identity = identity;
        _dnsNames = dnsNames;
        _ttl = ttl;
        _time = time;
    }

    /// <summary>What the TLS handshake presents: the leaf and the intermediates that signed it, and the key in OpenSSL.</summary>
    internal CaServingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The current leaf (public part only).</summary>
    public X509Certificate2 Certificate => Volatile.Read(ref _current).Certificate;

    /// <summary>The CA that issues this certificate, whose trust bundle also decides which client certificates the handshake accepts.</summary>
    internal CertificateAuthority Authority => _authority;

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

        CaServingSnapshot next = await IssueSnapshotAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _current, next).Pair.Dispose();
        return true;
    }

    private async Task<CaServingSnapshot> IssueSnapshotAsync(CancellationToken cancellationToken)
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
        byte[] chainPem = Encoding.ASCII.GetBytes(issued.CertificateChainPem);
        CertificateKeyPair pair = LoadIntoOpenSsl(chainPem, key, $"the CA API's serving certificate {issued.Serial}");
        return new CaServingSnapshot(X509CertificateLoader.LoadCertificate(issued.Certificate), pair);
    }

    // PKCS#8 DER, then PEM, then OpenSSL's own key object; every intermediate copy is wiped.
    private static CertificateKeyPair LoadIntoOpenSsl(byte[] chainPem, ECDsa key, string description)
    {
        byte[] der = key.ExportPkcs8PrivateKey();
        char[] pem = PemEncoding.Write("PRIVATE KEY", der);
        byte[] pemBytes = Encoding.ASCII.GetBytes(pem);
        try
        {
            return CertificateKeyPair.FromPem(chainPem, pemBytes, description);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(pem.AsSpan()));
            CryptographicOperations.ZeroMemory(pemBytes);
        }
    }
}
