using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// Signed CRLs (RFC 5280 §5), one per CA generation that still signs, each signed by that
/// generation's intermediate (the issuer of the certificates it lists). A CRL is rebuilt when it
/// is older than <see cref="RefreshInterval"/> or after a revocation made through this process;
/// revocations made by another replica appear within the refresh interval.
/// Non-goal: delta CRLs and indirect CRLs.
/// </summary>
public sealed class CrlPublisher
{
    public static readonly TimeSpan Validity = TimeSpan.FromHours(24);
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly CertificateAuthority _authority;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _build = new(1, 1);
    private readonly Dictionary<int, (byte[] Der, DateTimeOffset BuiltAt)> _cache = [];
    private long _version;

    public CrlPublisher(CertificateAuthority authority, TimeProvider? time = null)
    {
        _authority = authority;
        _time = time ?? TimeProvider.System;
        authority.Revoked += _ => Invalidate();
    }

    /// <summary>Forgets cached CRLs (call after a revocation).</summary>
    public void Invalidate()
    {
        lock (_cache)
        {
            _cache.Clear();
            _version++;
        }
    }

    /// <summary>The DER CRL of a generation (the active one when null), or null when there is no such signing generation.</summary>
    public async Task<byte[]?> GetAsync(int? generationId = null, CancellationToken cancellationToken = default)
    {
        CaState state = _authority.State;
        CaGenerationKeys? generation = generationId is int id ? state.Find(id) : state.Active;
        if (generation?.Signer is null)
        {
            return null;
        }

        if (TryCached(generation.Id, out byte[]? der, out _))
        {
            return der;
        }

        await _build.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Requests that queued behind a build use its result instead of signing (and
            // numbering) another CRL: the endpoint is unauthenticated.
            if (TryCached(generation.Id, out der, out long version))
            {
                return der;
            }

            DateTimeOffset now = _time.GetUtcNow();
            IReadOnlyList<IssuedCertificate> revoked = await _authority.Store.ListCertificatesAsync(
                new CertificateQuery(Status: CertificateStatus.Revoked, Generation: generation.Id, NotAfterAfter: now, Limit: int.MaxValue),
                cancellationToken).ConfigureAwait(false);
            long number = await _authority.Store.NextCrlNumberAsync(cancellationToken).ConfigureAwait(false);
            der = Build(generation, revoked, number, now);
            lock (_cache)
            {
                // A revocation during the build invalidated what we read: serve it, cache it not.
                if (_version == version)
                {
                    _cache[generation.Id] = (der, now);
                }
            }

            return der;
        }
        finally
        {
            _build.Release();
        }
    }

    /// <summary>Every signing generation's CRL as PEM, newest generation first: what a verifier's CRL file should hold during a rotation.</summary>
    public async Task<string> GetAllPemAsync(CancellationToken cancellationToken = default)
    {
        var pem = new System.Text.StringBuilder();
        foreach (CaGenerationKeys generation in _authority.State.Generations.Where(g => g.Signer is not null).Reverse())
        {
            if (await GetAsync(generation.Id, cancellationToken).ConfigureAwait(false) is byte[] der)
            {
                pem.Append(ToPem(der));
            }
        }

        return pem.ToString();
    }

    private bool TryCached(int generationId, out byte[]? der, out long version)
    {
        lock (_cache)
        {
            version = _version;
            if (_cache.TryGetValue(generationId, out var cached) && _time.GetUtcNow() - cached.BuiltAt < RefreshInterval)
            {
                der = cached.Der;
                return true;
            }
        }

        der = null;
        return false;
    }

    /// <summary>Builds and signs one CRL; expired certificates are left out (RFC 5280 §3.3 allows it).</summary>
    public static byte[] Build(CaGenerationKeys generation, IEnumerable<IssuedCertificate> revoked, long number, DateTimeOffset now)
    {
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(generation.Intermediate.Subject);
        generator.SetThisUpdate(now.UtcDateTime);
        generator.SetNextUpdate((now + Validity).UtcDateTime);
        foreach (IssuedCertificate certificate in revoked)
        {
            generator.AddCrlEntry(new BigInteger(certificate.Serial, 16), (certificate.RevokedAt ?? now).UtcDateTime,
                (int)(certificate.RevocationReason ?? RevocationReason.Unspecified));
        }

        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(generation.Intermediate.KeyIdentifier));
        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(number)));
        return generator.Generate(generation.Signer).GetEncoded();
    }

    public static string ToPem(byte[] der) => PemText.Encode("X509 CRL", der);

}
