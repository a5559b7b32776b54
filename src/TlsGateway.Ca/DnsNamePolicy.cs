using TlsGateway.Identity;

namespace TlsGateway.Ca;

/// <summary>DNS SAN checks: syntax (RFC 1035 §2.3.1 preferred name syntax, RFC 5280 §4.2.1.6) and policy patterns.</summary>
public static class DnsNamePolicy
{
    /// <summary>Null when the name is a valid host name; otherwise what is wrong with it.</summary>
    public static string? Check(string name)
    {
        if (name.Length == 0 || name.Length > 253)
        {
            return "a DNS name must be 1 to 253 characters";
        }

        foreach (string label in name.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63)
            {
                return $"DNS name '{SafeText.Of(name)}' has an empty or over-long label";
            }

            if (label[0] == '-' || label[^1] == '-' || !label.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-'))
            {
                return $"DNS name '{SafeText.Of(name)}' has an invalid label '{SafeText.Of(label)}'";
            }
        }

        return null;
    }

    /// <summary>Exact match (case-insensitive) or "*.suffix" matching any name with at least one label before suffix.</summary>
    public static bool Matches(string name, IEnumerable<string> patterns) =>
        patterns.Any(pattern => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? name.Length > pattern.Length - 1 && name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : name.Equals(pattern, StringComparison.OrdinalIgnoreCase));
}
