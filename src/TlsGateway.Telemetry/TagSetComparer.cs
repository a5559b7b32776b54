using System.Diagnostics.CodeAnalysis;

namespace TlsGateway.Telemetry;

/// <summary>
/// Lets a series dictionary be searched with the tag span a measurement callback receives
/// (ConcurrentDictionary's alternate lookup), so the steady-state hot path finds its series
/// without copying, sorting or allocating.
/// </summary>
internal sealed class TagSetComparer :
    IEqualityComparer<TagSet>,
    IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    private TagSetComparer()
    {
    }

    public bool Equals(TagSet? x, TagSet? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        return x is not null && y is not null && x.HashCode == y.HashCode && x.Matches(y.Tags);
    }

    public int GetHashCode([DisallowNull] TagSet obj) => obj.HashCode;

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other) => other.Matches(alternate);

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.HashOf(alternate);

    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.Create(alternate);
}
