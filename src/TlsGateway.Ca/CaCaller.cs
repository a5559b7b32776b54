using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>
/// Who is asking the CA, as already authenticated by the transport: a workload proven by its
/// mTLS certificate or Unix socket credentials (it may only get its own identity), or an
/// operator at the CLI (may issue any identity in the trust domain).
/// </summary>
public sealed record CaCaller(string Name, SpiffeId? Workload, bool IsOperator)
{
    public static CaCaller ForWorkload(SpiffeId id) => new(id.ToString(), id, IsOperator: false);

    public static CaCaller ForOperator(string user) => new($"operator:{user}", null, IsOperator: true);

    /// <summary>The operator running this process, named after the OS user.</summary>
    public static CaCaller CurrentOperator => ForOperator(Environment.UserName);

    public override string ToString() => Name;
}
