using System.Globalization;

namespace TlsGateway.Host;

/// <summary>Durations on the command line: a number and a unit, "90s", "30m", "24h", "90d".</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text, string option)
    {
        string trimmed = text.Trim();
        if (trimmed.Length >= 2 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0)
        {
            TimeSpan? result = char.ToLowerInvariant(trimmed[^1]) switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => null,
            };
            if (result is TimeSpan span)
            {
                return span;
            }
        }

        throw new FormatException($"{option} '{text}' is not a duration (a number and s, m, h or d: 90s, 30m, 24h, 90d)");
    }
}
