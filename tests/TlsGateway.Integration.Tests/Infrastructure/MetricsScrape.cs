using System.Globalization;
using System.Text.RegularExpressions;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// One GET /metrics from a tlsgw admin port, parsed just enough to read series values: the
/// format itself is checked by promtool, not here.
/// </summary>
public sealed partial class MetricsScrape
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _series = [];

    private MetricsScrape(string text)
    {
        Text = text;
        foreach (string line in text.Split('\n'))
        {
            Match match = SeriesLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups[2].Value))
            {
                labels[label.Groups[1].Value] = label.Groups[2].Value.Replace("\\\"", "\"").Replace("\\n", "\n").Replace("\\\\", "\\");
            }

            string value = match.Groups[3].Value;
            _series.Add((match.Groups[1].Value, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
    }

    public string Text { get; }

    public static async Task<MetricsScrape> GetAsync(int adminPort) =>
        new(await s_http.GetStringAsync($"http://127.0.0.1:{adminPort}/metrics"));

    /// <summary>
    /// Scrapes until <paramref name="name"/> sums to <paramref name="expected"/> (bounded): a server counts
    /// a connection's end a moment after its client has seen it. Returns the last scrape either way.
    /// </summary>
    public static async Task<MetricsScrape> WhenAsync(int adminPort, double expected, string name, params (string Key, string Value)[] labels)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        MetricsScrape scrape = await GetAsync(adminPort);
        while (scrape.Sum(name, labels) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            scrape = await GetAsync(adminPort);
        }

        return scrape;
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Matching(name, labels).Sum(s => s.Value);

    /// <summary>The series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public IReadOnlyList<(Dictionary<string, string> Labels, double Value)> Matching(string name, params (string Key, string Value)[] labels) =>
        _series.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out string? v) && v == l.Value))
            .Select(s => (s.Labels, s.Value)).ToList();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
