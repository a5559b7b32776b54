using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace TlsGateway.Identity;

/// <summary>
/// A SPIFFE ID, <c>spiffe://trust-domain/path</c>, checked against the SPIFFE ID standard
/// (SPIFFE-ID.md §2): lower-case trust domain of [a-z0-9.-_] no longer than 255 bytes; path
/// segments of [A-Za-z0-9.-_], none empty, "." or ".."; no query, fragment, port or user info;
/// the whole ID at most 2048 bytes. Workload identities (X.509-SVID §2) also need a non-empty path.
/// </summary>
public sealed class SpiffeId : IEquatable<SpiffeId>
{
    public const string Scheme = "spiffe://";
    public const int MaxTrustDomainBytes = 255;
    public const int MaxIdBytes = 2048;

    private SpiffeId(string trustDomain, string path)
    {
        TrustDomain = trustDomain;
        Path = path;
    }

    public string TrustDomain { get; }

    /// <summary>The path with its leading '/', or "" for a trust domain's own ID.</summary>
    public string Path { get; }

    public bool IsWorkload => Path.Length > 0;

    public static SpiffeId ForWorkload(string trustDomain, string ns, string serviceAccount) =>
        Parse($"{Scheme}{trustDomain}/ns/{ns}/sa/{serviceAccount}");

    public static SpiffeId Parse(string text) =>
        TryParse(text, out SpiffeId? id, out string? error) ? id : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out SpiffeId? id, [NotNullWhen(false)] out string? error)
    {
        id = null;
        error = Check(text);
        if (error is not null)
        {
            return false;
        }

        string rest = text![Scheme.Length..];
        int slash = rest.IndexOf('/');
        id = slash < 0 ? new SpiffeId(rest, "") : new SpiffeId(rest[..slash], rest[slash..]);
        return true;
    }

    /// <summary>Validates a bare trust domain name ("example.org").</summary>
    public static string? CheckTrustDomain(string trustDomain)
    {
        if (trustDomain.Length == 0)
        {
            return "the trust domain is empty";
        }

        if (Encoding.UTF8.GetByteCount(trustDomain) > MaxTrustDomainBytes)
        {
            return $"the trust domain is longer than {MaxTrustDomainBytes} bytes";
        }

        foreach (char c in trustDomain)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-' or '_'))
            {
                return $"the trust domain '{SafeText.Of(trustDomain)}' contains '{SafeText.Of(c.ToString())}' (allowed: lower-case letters, digits, '.', '-', '_')";
            }
        }

        return null;
    }

    private static string? Check(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "the SPIFFE ID is empty";
        }

        if (Encoding.UTF8.GetByteCount(text) > MaxIdBytes)
        {
            return $"the SPIFFE ID is longer than {MaxIdBytes} bytes";
        }

        if (!text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return $"'{Shorten(text)}' is not a SPIFFE ID: it must start with {Scheme}";
        }

        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/');
        string trustDomain = slash < 0 ? rest : rest[..slash];
        if (CheckTrustDomain(trustDomain) is string domainError)
        {
            return $"'{Shorten(text)}': {domainError}";
        }

        if (slash < 0)
        {
            return null;
        }

        string path = rest[(slash + 1)..];
        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"'{Shorten(text)}': the path has an empty segment or a trailing '/'";
            }

            if (segment is "." or "..")
            {
                return $"'{Shorten(text)}': the path has a '{segment}' segment";
            }

            foreach (char c in segment)
            {
                if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_'))
                {
                    return $"'{Shorten(text)}': the path contains '{SafeText.Of(c.ToString())}' (allowed: letters, digits, '.', '-', '_')";
                }
            }
        }

        return null;
    }

    // An ID in an error can come from an attacker's CSR: cap and neutralise what we echo back.
    private static string Shorten(string text) => SafeText.Of(text);

    public override string ToString() => Scheme + TrustDomain + Path;

    public bool Equals(SpiffeId? other) => other is not null && TrustDomain == other.TrustDomain && Path == other.Path;

    public override bool Equals(object? obj) => Equals(obj as SpiffeId);

    public override int GetHashCode() => HashCode.Combine(TrustDomain, Path);
}
