using TlsGateway.Crypto;
using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// A CA generation ready to use: its parsed root and chain, and — for generations that still
/// sign (the active one issues leaves; retiring ones sign CRLs and OCSP responses for the
/// leaves they issued) — the intermediate's key, opened in OpenSSL or the token.
/// </summary>
public sealed class CaGenerationKeys : IDisposable
{
    private CaGenerationKeys(CaGeneration generation, CaCertificate root, IReadOnlyList<CaCertificate> chain, CaSigner? signer, bool serveCrossSigned)
    {
        Generation = generation;
        Root = root;
        Chain = chain;
        Signer = signer;
        // While the previous root is still trusted, the cross-signed intermediate goes first:
        // OpenSSL builds chains greedily (the first untrusted certificate whose name and key id
        // match wins, no backtracking), so only that order lets a verifier that knows just the
        // previous root build leaf → cross-signed → previous root; verifiers holding the bundle
        // (both roots during the overlap) build the same path. Path-building verifiers (Go,
        // BoringSSL) can use either intermediate. Once the previous root has retired, the
        // cross-signed certificate is no longer served.
        IssuedChain = serveCrossSigned && generation.CrossSignedPem is not null
            ? [.. PemText.DecodeAll(generation.CrossSignedPem, "CERTIFICATE"), .. chain.Select(c => c.Der)]
            : chain.Select(c => c.Der).ToList();
    }

    public CaGeneration Generation { get; }

    public int Id => Generation.Id;

    public CaCertificate Root { get; }

    /// <summary>The signing intermediate first, then any further intermediates up to the root.</summary>
    public IReadOnlyList<CaCertificate> Chain { get; }

    public CaCertificate Intermediate => Chain[0];

    /// <summary>What goes after a leaf in cert.pem: the chain, preceded by the cross-signed intermediate while it is useful.</summary>
    public IReadOnlyList<byte[]> IssuedChain { get; }

    /// <summary>Null for retired generations, whose keys are no longer opened, and for read-only opens.</summary>
    public CaSigner? Signer { get; }

    /// <param name="previousRootTrusted">Whether an older generation's root is still in the bundle (cross-signed certificates are served only then).</param>
    /// <param name="openKey">False to parse the certificates only (read-only uses); <see cref="Signer"/> is then null.</param>
    public static CaGenerationKeys Open(CaGeneration generation, CaKeyAccess access, bool previousRootTrusted = false, bool openKey = true)
    {
        CaCertificate root = CaCertificate.FromPem(generation.RootPem);
        List<CaCertificate> chain = PemText.DecodeAll(generation.ChainPem, "CERTIFICATE").Select(der => new CaCertificate(der)).ToList();
        if (chain.Count == 0)
        {
            throw new CaException($"CA generation {generation.Id} has no intermediate certificate");
        }

        CaSigner? signer = null;
        if (openKey && generation.State != CaGenerationState.Retired)
        {
            try
            {
                signer = new CaSigner(PrivateKeyLoader.Load(access.SourceFor(generation.KeyLocation)));
            }
            catch (CryptoConfigurationException e)
            {
                throw new CaException($"cannot open the key of CA generation {generation.Id}: {e.Message}", e);
            }

            if (!signer.PublicKeyInfo.AsSpan().SequenceEqual(chain[0].Structure.SubjectPublicKeyInfo.GetDerEncoded()))
            {
                signer.Dispose();
                throw new CaException($"the key of CA generation {generation.Id} does not match its intermediate certificate");
            }
        }

        return new CaGenerationKeys(generation, root, chain, signer, previousRootTrusted);
    }

    public void Dispose() => Signer?.Dispose();
}
