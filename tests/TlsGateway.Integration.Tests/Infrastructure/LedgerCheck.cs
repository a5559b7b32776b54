using System.Text.Json;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// What the operator CLI says of a CA's store after a fault: whether `audit verify` finds the hash
/// chain intact, and whether the ledger and the audit log agree — every certificate row has
/// exactly one "issue" event and every "issue" event a row, so nothing was half-committed.
/// </summary>
public sealed record LedgerCheck(bool Intact, string Verify, IReadOnlyList<string> Serials, IReadOnlyList<string> IssueEvents)
{
    public bool Consistent =>
        Serials.Count == Serials.Distinct(StringComparer.Ordinal).Count()
        && Serials.Order(StringComparer.Ordinal).SequenceEqual(IssueEvents.Order(StringComparer.Ordinal), StringComparer.Ordinal);

    public override string ToString() =>
        $"audit chain {(Intact ? "intact" : "BROKEN")}; {Serials.Count} ledger rows, {IssueEvents.Count} issue events, {(Consistent ? "one to one" : "NOT one to one")}";

    public static async Task<LedgerCheck> RunAsync(CaDataDirectory ca)
    {
        ProcessResult verify = await ca.RunAsync(["audit", "verify"]);
        using JsonDocument ledger = JsonDocument.Parse(await ca.RunOkAsync(["cert", "list", "--all", "--json"]));
        string export = await ca.RunOkAsync(["audit", "export"]);
        List<string> serials = ledger.RootElement.EnumerateArray().Select(r => r.GetProperty("serial").GetString()!).ToList();
        var issued = new List<string>();
        foreach (string line in export.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument e = JsonDocument.Parse(line);
            if (e.RootElement.GetProperty("kind").GetString() == "issue")
            {
                issued.Add(e.RootElement.GetProperty("subject").GetString()!);
            }
        }

        return new LedgerCheck(verify.ExitCode == 0 && verify.StandardOutput.Contains("intact", StringComparison.Ordinal), verify.Combined, serials, issued);
    }
}
