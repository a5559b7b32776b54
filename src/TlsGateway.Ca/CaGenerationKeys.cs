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
    private CaGenerationKeys(CaGeneration generation, CaCertificate root, IReadOnlyList<CaCertificate> chain, CaSigner? signer)
    {
        Generation = generation;
        Root = root;
        Chain = chain;
        Signer = signer;
    }

    public CaGeneration Generation { get; }

    public int Id => Generation.Id;

    public CaCertificate Root { get; }

    /// <summary>The signing intermediate first, then any further intermediates up to the root.</summary>
    public IReadOnlyList<CaCertificate> Chain { get; }

    public CaCertificate Intermediate => Chain[0];

    /// <summary>Null for retired generations, whose keys are no longer opened.</summary>
    public CaSigner? Signer { get; }

    public static CaGenerationKeys Open(CaGeneration generation, CaKeyAccess access)
    {
        CaCertificate root = CaCertificate.FromPem(generation.RootPem);
        List<CaCertificate> chain = PemText.DecodeAll(generation.ChainPem, "CERTIFICATE").Select(der => new CaCertificate(der)).ToList();
        if (chain.Count == 0)
        {
            throw new CaException($"CA generation {generation.Id} has no intermediate certificate");
        }

        CaSigner? signer = null;
        if (generation.State != CaGenerationState.Retired)
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

        return new CaGenerationKeys(generation, root, chain, signer);
    }

    public void Dispose() => Signer?.Dispose();
}
