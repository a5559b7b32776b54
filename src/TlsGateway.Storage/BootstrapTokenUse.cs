namespace TlsGateway.Storage;

/// <summary>The result of <see cref="ICaStore.ConsumeBootstrapTokenAsync"/>.</summary>
/// <param name="SpiffeId">The identity granted; set only when <see cref="Outcome"/> is <see cref="BootstrapTokenOutcome.Consumed"/>.</param>
public sealed record BootstrapTokenUse(BootstrapTokenOutcome Outcome, string? SpiffeId = null)
{
    public bool Succeeded => Outcome == BootstrapTokenOutcome.Consumed;

    /// <summary>Why a token was refused, in words safe to show whoever presented it (no identity, no hash).</summary>
    public static string Describe(BootstrapTokenOutcome outcome) => outcome switch
    {
        BootstrapTokenOutcome.Consumed => "token accepted",
        BootstrapTokenOutcome.Unknown => "unknown bootstrap token",
        BootstrapTokenOutcome.Expired => "bootstrap token expired",
        BootstrapTokenOutcome.AlreadyUsed => "bootstrap token already used",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
