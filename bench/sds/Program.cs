// sds-load: holds N StreamSecrets streams open on a tlsgw SDS socket and reports how long a
// renewal takes to reach all of them. Driven by bench/sds-streams.sh; see the usage text.
// Progress goes to stderr; one JSON object with the figures goes to stdout. Exit code 0 only
// when every stream got its first response and the renewal; 1 otherwise; 2 on bad arguments.
using System.Globalization;
using System.Text.Json;
using TlsGateway.Bench.Sds;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"sds-load: {e.Message}\n{LoadOptions.Usage}");
    return 2;
}

var run = new LoadRun(options);
await run.RunAsync();
StreamTable table = run.Table;

double[] first = table.FirstTimes();
double[] rotated = table.RotationTimes();
IReadOnlyList<string> versions = table.Versions();
DateTimeOffset? issuedAt = options.IssuedAt;
int issuances = 0;
if (issuedAt is null && options.UpLog is string log && rotated.Length > 0)
{
    // The renewal is the last issuance logged by one second after the first stream had it:
    // the log line follows the publish by milliseconds, so it may come after that receipt,
    // and the issuance before it was half a certificate lifetime earlier.
    IReadOnlyList<DateTimeOffset> times = IssuanceLog.IssuedTimes(log);
    issuances = times.Count;
    DateTimeOffset cutoff = DateTimeOffset.FromUnixTimeMilliseconds((long)rotated[0] + 1000);
    issuedAt = times.Where(t => t <= cutoff).Cast<DateTimeOffset?>().LastOrDefault();
}

double? issuedMs = issuedAt?.ToUnixTimeMilliseconds();
var figures = new Dictionary<string, object?>
{
    ["streams"] = options.Streams,
    ["connections"] = options.Connections,
    ["open"] = table.Opened,
    ["failed"] = table.Failed,
    ["first_error"] = table.FirstError,
    ["open_seconds"] = first.Length > 0 ? Round((first[^1] - run.StartedMs) / 1000, 2) : null,
    ["first_response_ms_p50"] = first.Length > 0 ? Round(Percentile(first, 0.5) - run.StartedMs, 1) : null,
    ["renewed"] = table.Rotated,
    ["versions_seen"] = versions.Count,
    ["responses"] = table.TotalResponses(),
    ["response_bytes"] = run.ResponseBytes,
    ["renewal_first_at"] = rotated.Length > 0 ? Iso(rotated[0]) : null,
    ["renewal_last_at"] = rotated.Length > 0 ? Iso(rotated[^1]) : null,
    ["renewal_spread_ms"] = rotated.Length > 0 ? Round(rotated[^1] - rotated[0], 1) : null,
    ["renewal_spread_ms_p50"] = rotated.Length > 0 ? Round(Percentile(rotated, 0.5) - rotated[0], 1) : null,
    ["renewal_spread_ms_p99"] = rotated.Length > 0 ? Round(Percentile(rotated, 0.99) - rotated[0], 1) : null,
    ["issued_at"] = issuedAt?.ToString("O", CultureInfo.InvariantCulture),
    ["issuances_logged"] = issuances,
    ["issued_to_first_ms"] = issuedMs is double i1 && rotated.Length > 0 ? Round(rotated[0] - i1, 1) : null,
    ["issued_to_last_ms"] = issuedMs is double i2 && rotated.Length > 0 ? Round(rotated[^1] - i2, 1) : null,
};
Console.WriteLine(JsonSerializer.Serialize(figures));
Console.Error.WriteLine(
    $"sds-load: {table.Opened}/{options.Streams} streams open over {options.Connections} connections in {figures["open_seconds"]} s; " +
    $"renewal reached {table.Rotated} streams, first to last {figures["renewal_spread_ms"]} ms, issuance to last {figures["issued_to_last_ms"]} ms" +
    (table.Failed > 0 ? $"; {table.Failed} streams failed, first: {table.FirstError}" : ""));
return run.AllOpen && (run.AllRotated || !options.WaitForRenewal) && table.Failed == 0 ? 0 : 1;

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static double Round(double value, int digits) => Math.Round(value, digits);

static string Iso(double unixMs) =>
    DateTimeOffset.FromUnixTimeMilliseconds((long)unixMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
