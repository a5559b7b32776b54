using TlsGateway.Storage;

namespace TlsGateway.Ca;

/// <summary>
/// One immutable snapshot of the CA's generations, swapped whole when a rotation changes them.
/// The trust bundle is the root of every generation not yet retired, newest first.
/// </summary>
public sealed class CaState : IDisposable
{
    public CaState(IReadOnlyList<CaGenerationKeys> generations)
    {
        Generations = generations;
        Active = generations.LastOrDefault(g => g.Generation.State == CaGenerationState.Active);
        TrustedRoots = generations
            .Where(g => g.Generation.State != CaGenerationState.Retired)
            .Reverse()
            .Select(g => g.Root.Der)
            .DistinctBy(Convert.ToHexString)
            .ToList();
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<CaGenerationKeys> Generations { get; }

    /// <summary>The generation whose intermediate signs new leaves, or null before `ca init`.</summary>
    public CaGenerationKeys? Active { get; }

    public IReadOnlyList<byte[]> TrustedRoots { get; }

    public string TrustBundlePem => PemText.EncodeAll("CERTIFICATE", TrustedRoots);

    public CaGenerationKeys? Find(int id) => Generations.FirstOrDefault(g => g.Id == id);

    public void Dispose()
    {
        foreach (CaGenerationKeys generation in Generations)
        {
            generation.Dispose();
        }
    }
}
