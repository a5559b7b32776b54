using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Sds;

/// <summary>
/// Proves who is calling the CA API, in order: (a) a client certificate issued by this CA —
/// chaining to a root of the current trust bundle through one of its intermediates, valid now,
/// for client authentication, in the ledger and not revoked — whose SPIFFE ID is the caller;
/// (b) a bootstrap token, spent on first use, whose enrolled identity is the caller.
/// </summary>
/// <remarks>
/// OpenSSL has already verified the certificate's chain against the CA's roots during the
/// handshake (<see cref="CaTlsMiddleware"/>), so a certificate from another CA never gets here.
/// The chain is built again here because this check is against the CA snapshot and clock of this
/// call and only through intermediates that have not been retired, and because the ledger (is it
/// ours, is it revoked) is what OpenSSL cannot know. A certificate that fails here does not end
/// the search: a token sent with it can still enrol. Non-goal: Kubernetes service-account JWTs,
/// which istio-agent sends as its bearer credential; they are refused as unknown tokens.
/// </remarks>
public sealed class CaCallerAuthenticator
{
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly CertificateAuthority _authority;
    private readonly TimeProvider _time;
    private TrustAnchors? _anchors;

    public CaCallerAuthenticator(CertificateAuthority authority, TimeProvider? time = null)
    {
        _authority = authority;
        _time = time ?? TimeProvider.System;
    }

    /// <exception cref="CallerAuthenticationException">Neither credential proves an identity; the message says why.</exception>
    public async Task<AuthenticatedCaller> AuthenticateAsync(X509Certificate2? clientCertificate, string? authorization, string peer,
        CancellationToken cancellationToken)
    {
        string? certificateFailure = null;
        if (clientCertificate is not null)
        {
            (SpiffeId? id, certificateFailure) = await VerifyCertificateAsync(clientCertificate, cancellationToken).ConfigureAwait(false);
            if (id is not null)
            {
                return new AuthenticatedCaller(id, CallerCredential.ClientCertificate, peer);
            }
        }

        string? token = BootstrapTokens.FromAuthorization(authorization);
        if (token is null)
        {
            throw new CallerAuthenticationException(certificateFailure is null
                ? "no credentials: present a client certificate from this CA or authorization: Bearer <bootstrap token>"
                : $"client certificate not accepted: {certificateFailure}");
        }

        // Hashing whatever was sent (a JWT included) keeps one path: unknown values are refused
        // and audited like a mistyped token, and only the hash ever reaches the store.
        BootstrapTokenUse use = await _authority.Store.ConsumeBootstrapTokenAsync(
            BootstrapTokens.Hash(token.Length > BootstrapTokens.MaxLength ? token[..BootstrapTokens.MaxLength] : token),
            _time.GetUtcNow(), "peer:" + SafeText.Of(peer), cancellationToken).ConfigureAwait(false);
        if (!use.Succeeded)
        {
            throw new CallerAuthenticationException(BootstrapTokenUse.Describe(use.Outcome));
        }

        if (!SpiffeId.TryParse(use.SpiffeId, out SpiffeId? enrolled, out _))
        {
            throw new CallerAuthenticationException("the bootstrap token enrols an invalid SPIFFE ID");
        }

        return new AuthenticatedCaller(enrolled, CallerCredential.BootstrapToken, peer);
    }

    /// <summary>The certificate's SPIFFE ID when it is a current, unrevoked leaf of this CA; otherwise why not.</summary>
    public async Task<(SpiffeId? Identity, string? Failure)> VerifyCertificateAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        TrustAnchors anchors = Anchors();
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(anchors.Roots);
            chain.ChainPolicy.ExtraStore.AddRange(anchors.Intermediates);
            // Revocation is the ledger's business (below): it is the CA's own, current record.
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(s_clientAuth);
            if (!chain.Build(certificate))
            {
                X509ChainStatusFlags flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
                return (null, Describe(flags));
            }
        }

        SpiffeId? id = CertificateSpiffeId.Read(certificate, out string? error);
        if (id is null)
        {
            return (null, $"it is not an X.509-SVID: {error}");
        }

        if (id.TrustDomain != _authority.TrustDomain || !id.IsWorkload)
        {
            return (null, $"{id} is not a workload of trust domain {_authority.TrustDomain}");
        }

        if (!SerialNumber.TryParse(certificate.SerialNumber, out string serial))
        {
            return (null, "its serial number cannot be read");
        }

        IssuedCertificate? row = await _authority.Store.FindCertificateAsync(serial, cancellationToken).ConfigureAwait(false);
        if (row is null || row.Sha256Fingerprint != Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span)))
        {
            // Signed by our key but not in our ledger: a restored backup or a stolen key. Either way, no.
            return (null, "it is not in the CA's ledger");
        }

        return row.Status == CertificateStatus.Revoked ? (null, "it has been revoked") : (id, null);
    }

    private static string Describe(X509ChainStatusFlags flags) =>
        flags.HasFlag(X509ChainStatusFlags.NotTimeValid) ? "it has expired or is not yet valid"
        : flags.HasFlag(X509ChainStatusFlags.NotValidForUsage) ? "it is not valid for client authentication"
        : "it does not chain to a root this CA trusts";

    /// <summary>The roots and intermediates of one CA snapshot, parsed once per snapshot rather than per call.</summary>
    private TrustAnchors Anchors()
    {
        CaState state = _authority.State;
        TrustAnchors? anchors = Volatile.Read(ref _anchors);
        if (anchors is not null && ReferenceEquals(anchors.State, state))
        {
            return anchors;
        }

        var roots = new X509Certificate2Collection();
        foreach (byte[] der in state.TrustedRoots)
        {
            roots.Add(X509CertificateLoader.LoadCertificate(der));
        }

        var intermediates = new X509Certificate2Collection();
        foreach (CaGenerationKeys generation in state.Generations.Where(g => g.Generation.State != CaGenerationState.Retired))
        {
            foreach (byte[] der in generation.IssuedChain)
            {
                intermediates.Add(X509CertificateLoader.LoadCertificate(der));
            }
        }

        anchors = new TrustAnchors(state, roots, intermediates);
        Volatile.Write(ref _anchors, anchors);
        return anchors;
    }

    private sealed record TrustAnchors(CaState State, X509Certificate2Collection Roots, X509Certificate2Collection Intermediates);
}
