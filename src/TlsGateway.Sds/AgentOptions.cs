namespace TlsGateway.Sds;

/// <summary>How the agent keeps secrets fresh. Defaults follow Istio's agent.</summary>
public sealed record AgentOptions
{
    public static readonly AgentOptions Default = new();

    /// <summary>Lifetime asked of the CA for workload certificates (the CA's policy may cap it).</summary>
    public TimeSpan WorkloadTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Renew once this fraction of the lifetime has passed…</summary>
    public double RenewAtFraction { get; init; } = 0.5;

    /// <summary>…give or take this fraction of it, so a fleet does not renew in one burst.</summary>
    public double RenewJitter { get; init; } = 0.1;

    /// <summary>Retry delays when the CA is unreachable: from the first, doubling, up to the cap.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryCap { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Key type for workload keys the agent generates (config `agent.key_type`; a
    /// `certificates` entry may name its own). The agent's own key, with which it authenticates
    /// to a remote CA over TLS, is always ECDSA P-256: OpenSSL's TLS cannot sign with SM2.
    /// </summary>
    public string KeyType { get; init; } = "ecdsa-p256";

    /// <summary>How often the trust bundle is re-read from the issuer (root rotations).</summary>
    public TimeSpan BundleRefresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Session-ticket key rotation period: a key is announced, serves as the encrypting key one period later, and is dropped after <see cref="TicketKeysKept"/> periods.</summary>
    public TimeSpan TicketKeyRotation { get; init; } = TimeSpan.FromHours(1);

    public int TicketKeysKept { get; init; } = 3;
}
