namespace TlsGateway.Storage;

/// <summary>
/// One root + signing-intermediate pair. Root rotation adds a generation; the trust bundle holds
/// the roots of every generation that is not <see cref="CaGenerationState.Retired"/>.
/// </summary>
/// <param name="Id">1, 2, …; 0 on insert means "assign the next".</param>
/// <param name="RootPem">The self-signed root (or, for an intermediate under an external root, that root).</param>
/// <param name="ChainPem">The signing intermediate first, then any certificates up to (not including) the root.</param>
/// <param name="KeyLocation">Where the intermediate's private key lives: a file path (encrypted PKCS#8) or a pkcs11: URI. Never key material.</param>
/// <param name="CrossSignedPem">Optional: the new intermediate cross-signed by the previous root.</param>
public sealed record CaGeneration(
    int Id,
    CaGenerationState State,
    string RootPem,
    string ChainPem,
    string KeyLocation,
    DateTimeOffset CreatedAt,
    DateTimeOffset IntermediateNotAfter,
    string? CrossSignedPem = null);
