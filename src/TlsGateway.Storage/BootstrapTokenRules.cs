namespace TlsGateway.Storage;

/// <summary>
/// The bootstrap-token decisions both dialects share, so SQLite and PostgreSQL refuse the same
/// tokens for the same reasons and audit them the same way. The dialects only supply the row
/// (read inside their write transaction) and apply the result.
/// </summary>
internal static class BootstrapTokenRules
{
    public const int HashHexLength = 64;

    /// <summary>
    /// Spent beats expired: someone presenting a token that was used and has since expired learns
    /// that it was used, which is what an operator investigating a stolen token wants to see.
    /// </summary>
    public static BootstrapTokenOutcome Decide(BootstrapToken? row, DateTimeOffset now) => row switch
    {
        null => BootstrapTokenOutcome.Unknown,
        { UsedAt: not null } => BootstrapTokenOutcome.AlreadyUsed,
        _ when row.ExpiresAt <= now => BootstrapTokenOutcome.Expired,
        _ => BootstrapTokenOutcome.Consumed,
    };

    /// <summary>
    /// The audit event of a use or refusal. It names the token by <see cref="BootstrapToken.Id"/>
    /// (a prefix of its hash), never by the token, so the log cannot be replayed as a credential.
    /// </summary>
    public static AuditEntry Audit(BootstrapTokenOutcome outcome, string hash, string actor, string? spiffeId) => outcome switch
    {
        BootstrapTokenOutcome.Consumed =>
            new AuditEntry(AuditKinds.TokenUse, actor, spiffeId ?? "-", $"bootstrap token {BootstrapToken.IdOf(hash)} spent"),
        _ => new AuditEntry(AuditKinds.TokenDeny, actor, spiffeId ?? "-",
            $"bootstrap token {BootstrapToken.IdOf(hash)} refused: {BootstrapTokenUse.Describe(outcome)}"),
    };

    public static void CheckHash(string hash, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(hash, parameterName);
        if (hash.Length != HashHexLength || !hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException($"a bootstrap token hash is {HashHexLength} lower-case hex digits (SHA-256)", parameterName);
        }
    }

    public static void Check(BootstrapToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        CheckHash(token.Hash, nameof(token));
        ArgumentException.ThrowIfNullOrEmpty(token.SpiffeId, nameof(token));
        ArgumentNullException.ThrowIfNull(token.CreatedBy, nameof(token));
        if (token.ExpiresAt <= token.CreatedAt)
        {
            throw new ArgumentException("a bootstrap token must expire after it is created", nameof(token));
        }

        if (token.UsedAt is not null || token.UsedBy is not null)
        {
            throw new ArgumentException("a new bootstrap token cannot already be used", nameof(token));
        }
    }
}
