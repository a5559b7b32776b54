namespace TlsGateway.Ca;

/// <summary>What the CA grants. Defaults follow Istio: 24 h leaves, at most 90 days.</summary>
public sealed record IssuancePolicy
{
    public static readonly IssuancePolicy Default = new();

    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How far NotBefore is set before the moment of issuance, so a workload whose clock runs
    /// a few minutes behind the CA's still sees a valid certificate (SPIRE does the same). Ten
    /// minutes: a skew of ±5 minutes must still leave room (issue 8's clock-skew test measured
    /// only the issuance latency to spare with five).
    /// </summary>
    public TimeSpan Backdate { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// DNS SANs a workload may ask for: exact names or "*.suffix" patterns matching one or more
    /// leading labels. Operators issuing through the CLI may name any valid DNS name.
    /// </summary>
    public IReadOnlyList<string> WorkloadDnsNames { get; init; } = [];

    /// <summary>Most DNS SANs one certificate may carry.</summary>
    public int MaxDnsNames { get; init; } = 32;
}
