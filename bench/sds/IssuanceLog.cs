using System.Globalization;
using System.Text.RegularExpressions;

namespace TlsGateway.Bench.Sds;

/// <summary>
/// Reads `tlsgw up`'s log for the times `default` was issued: lines
/// "2026-01-01T12:00:00.123Z info: tlsgw.sds[0] Issued default for spiffe://… valid until …".
/// The agent logs the line just after publishing the certificate to its streams, so the
/// time is at most a few milliseconds after the push began.
/// </summary>
internal static partial class IssuanceLog
{
    public static IReadOnlyList<DateTimeOffset> IssuedTimes(string path)
    {
        var times = new List<DateTimeOffset>();
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is string line)
        {
            Match match = IssuedLine().Match(line);
            if (match.Success)
            {
                times.Add(DateTimeOffset.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
            }
        }

        return times;
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) .*\bIssued default for ")]
    private static partial Regex IssuedLine();
}
