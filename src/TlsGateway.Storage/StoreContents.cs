namespace TlsGateway.Storage;

/// <summary>
/// What a store holds, as one read sees it: rows per table, the CRL number counter and the audit
/// head. Every write the CA makes changes at least one of these (each change appends an audit
/// event, and signing a CRL advances the counter), which is what lets a copy tell whether its
/// source moved underneath it.
/// </summary>
/// <param name="SchemaVersion">The newest migration applied to the store.</param>
/// <param name="LastAuditSequence">0 when the log is empty.</param>
/// <param name="LastAuditHash">The newest event's hash; empty when the log is empty.</param>
public sealed record StoreContents(
    int SchemaVersion,
    long Generations,
    long Certificates,
    long BootstrapTokens,
    long AuditEvents,
    long CrlNumber,
    long LastAuditSequence,
    byte[] LastAuditHash)
{
    /// <summary>No generation, certificate, token or audit event: a store nothing has used yet.</summary>
    public bool IsEmpty => Generations == 0 && Certificates == 0 && BootstrapTokens == 0 && AuditEvents == 0;

    /// <summary>"3 generations, 120 certificates, 1 bootstrap token, 411 audit events, CRL number 17".</summary>
    public string Describe() =>
        $"{Count(Generations, "generation")}, {Count(Certificates, "certificate")}, {Count(BootstrapTokens, "bootstrap token")}, " +
        $"{Count(AuditEvents, "audit event")}, CRL number {CrlNumber}";

    /// <summary>
    /// Each way <paramref name="other"/> differs from this one, as "certificates: 120 here, 119
    /// there" (with the given names for the two sides); empty when they hold the same. The
    /// schema version is not compared: a copy checks it on its own, before anything is written.
    /// </summary>
    public IReadOnlyList<string> Differences(StoreContents other, string here, string there)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare(string what, long mine, long theirs)
        {
            if (mine != theirs)
            {
                differences.Add($"{what}: {mine} {here}, {theirs} {there}");
            }
        }

        Compare("generations", Generations, other.Generations);
        Compare("certificates", Certificates, other.Certificates);
        Compare("bootstrap tokens", BootstrapTokens, other.BootstrapTokens);
        Compare("audit events", AuditEvents, other.AuditEvents);
        Compare("last audit sequence", LastAuditSequence, other.LastAuditSequence);
        Compare("CRL number", CrlNumber, other.CrlNumber);
        if (!LastAuditHash.AsSpan().SequenceEqual(other.LastAuditHash))
        {
            differences.Add($"last audit hash: {Short(LastAuditHash)} {here}, {Short(other.LastAuditHash)} {there}");
        }

        return differences;
    }

    private static string Count(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Short(byte[] hash) => hash.Length == 0 ? "none" : Convert.ToHexStringLower(hash)[..16] + "…";
}
