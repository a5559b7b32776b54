using System.Globalization;
using System.Text;

namespace TlsGateway.Telemetry;

/// <summary>
/// Names, label sets and values spelled the way the Prometheus text format 0.0.4 wants them
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format). Kept apart
/// from the writer so the rules can be read, and tested, in one place.
/// </summary>
internal static class PrometheusNames
{
    private const string CounterSuffix = "_total";

    // Tags that would clash with a label Prometheus owns get this prefix rather than being dropped.
    private const string ReservedPrefix = "tag_";

    /// <summary>The family name: the instrument name made valid, plus "_total" for counters.</summary>
    public static string FamilyName(string instrumentName, InstrumentKind kind)
    {
        string name = MetricName(instrumentName);
        bool isCounter = kind is InstrumentKind.Counter or InstrumentKind.ObservableCounter;
        return isCounter && !name.EndsWith(CounterSuffix, StringComparison.Ordinal) ? name + CounterSuffix : name;
    }

    /// <summary>Replaces everything outside <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> with '_'.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>
    /// Replaces everything outside <c>[a-zA-Z_][a-zA-Z0-9_]*</c> with '_'. Names starting with
    /// "__" are reserved for Prometheus itself, and "le" is the bucket label of a histogram, so
    /// those are prefixed instead.
    /// </summary>
    public static string LabelName(string name, bool isHistogram)
    {
        string sanitized = Sanitize(name, allowColon: false);
        bool reserved = sanitized.StartsWith("__", StringComparison.Ordinal) || (isHistogram && sanitized == "le");
        return reserved ? ReservedPrefix + sanitized : sanitized;
    }

    /// <summary>
    /// Renders a tag set as <c>a="x",b="y"</c> (no braces, so a histogram can append its "le"):
    /// sorted by label name, and when two tags sanitize to the same name only the first is kept,
    /// because a repeated label name makes the whole scrape unparseable.
    /// </summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool isHistogram)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            labels.TryAdd(LabelName(tag.Key, isHistogram), Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        var text = new StringBuilder();
        foreach (KeyValuePair<string, string> label in labels)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(label.Key).Append("=\"");
            AppendEscaped(text, label.Value, escapeQuote: true);
            text.Append('"');
        }

        return text.ToString();
    }

    /// <summary>HELP text: backslash and line feed escaped (quotes are legal there).</summary>
    public static string Help(string description)
    {
        var text = new StringBuilder(description.Length);
        AppendEscaped(text, description, escapeQuote: false);
        return text.ToString();
    }

    public static string Value(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip form; infinities and NaN in Prometheus (Go) spelling.</summary>
    public static string Value(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var text = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            // A leading digit is the one invalid character worth keeping: "5xx" reads better as "_5xx".
            text.Append('_');
        }

        foreach (char c in name)
        {
            bool valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            text.Append(valid ? c : '_');
        }

        return text.ToString();
    }

    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuote)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                case '"' when escapeQuote:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
