namespace TlsGateway.Storage.Tests.Infrastructure;

/// <summary>
/// Every row a store holds, read through its public API and rendered as text (byte arrays as
/// hex), so two stores compare with one Assert.Equal per table and a failure shows the row.
/// </summary>
public sealed record StoreDump(
    IReadOnlyList<string> Generations,
    IReadOnlyList<string> Certificates,
    IReadOnlyList<string> BootstrapTokens,
    IReadOnlyList<string> Audit)
{
    public static async Task<StoreDump> ReadAsync(ICaStore store)
    {
        var audit = new List<string>();
        await foreach (AuditEvent e in store.ReadAuditAsync())
        {
            audit.Add($"{e.Sequence}|{T(e.Time)}|{e.Kind}|{e.Actor}|{e.Subject}|{e.Detail}|{Hex(e.PreviousHash)}|{Hex(e.Hash)}");
        }

        return new StoreDump(
            (await store.ListGenerationsAsync())
                .Select(g => $"{g.Id}|{g.State}|{g.RootPem}|{g.ChainPem}|{g.KeyLocation}|{T(g.CreatedAt)}|{T(g.IntermediateNotAfter)}|{g.CrossSignedPem}")
                .ToList(),
            (await store.ListCertificatesAsync(new CertificateQuery(Limit: 1_000_000)))
                .OrderBy(c => c.Serial, StringComparer.Ordinal)
                .Select(c => $"{c.Serial}|{c.SpiffeId}|{T(c.NotBefore)}|{T(c.NotAfter)}|{c.Sha256Fingerprint}|{c.Generation}|{Hex(c.Der)}|" +
                    $"{c.Status}|{T(c.RevokedAt)}|{c.RevocationReason}")
                .ToList(),
            (await store.ListBootstrapTokensAsync())
                .Select(t => $"{t.Hash}|{t.SpiffeId}|{T(t.CreatedAt)}|{T(t.ExpiresAt)}|{t.CreatedBy}|{T(t.UsedAt)}|{t.UsedBy}")
                .ToList(),
            audit);
    }

    /// <summary>Asserts table by table (so a failure names the table and shows the row) that two dumps hold the same rows.</summary>
    public static void AssertSame(StoreDump expected, StoreDump actual)
    {
        Assert.Equal(expected.Generations, actual.Generations);
        Assert.Equal(expected.Certificates, actual.Certificates);
        Assert.Equal(expected.BootstrapTokens, actual.BootstrapTokens);
        Assert.Equal(expected.Audit, actual.Audit);
    }

    /// <summary>Round-trip format: milliseconds and offset included, so a shifted time shows.</summary>
    private static string T(DateTimeOffset? time) => time?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
