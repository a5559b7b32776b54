namespace TlsGateway.Telemetry;

/// <summary>
/// The key of one series: a measurement's tags, copied and sorted by name so that the same tags
/// given in any order land in the same series. Its hash is order-independent so that
/// <see cref="TagSetComparer"/> can find it straight from the unsorted span a measurement arrives
/// with, without allocating.
/// </summary>
internal sealed class TagSet
{
    public static readonly TagSet Empty = new([]);

    private readonly KeyValuePair<string, object?>[] _tags;

    private TagSet(KeyValuePair<string, object?>[] sortedTags)
    {
        _tags = sortedTags;
        HashCode = HashOf(sortedTags);
    }

    public int HashCode { get; }

    public ReadOnlySpan<KeyValuePair<string, object?>> Tags => _tags;

    /// <summary>
    /// Copies and sorts <paramref name="tags"/>. A repeated tag name keeps its last value, as
    /// later tags override earlier ones in System.Diagnostics.Metrics; such a span never
    /// <see cref="Matches"/> its set, so it takes the slow (allocating) path every time, which is
    /// fine for a caller bug.
    /// </summary>
    public static TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var byName = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            // A null name (a default KeyValuePair) must not throw into the instrumented code.
            byName[tag.Key ?? string.Empty] = tag.Value;
        }

        return new TagSet([.. byName]);
    }

    /// <summary>Sum of per-tag hashes: the same for any order of the same tags.</summary>
    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int hash = tags.Length;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            hash = unchecked(hash + System.HashCode.Combine(tag.Key, tag.Value));
        }

        return hash;
    }

    /// <summary>True when <paramref name="tags"/>, in any order, are exactly this set.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _tags.Length)
        {
            return false;
        }

        for (int i = 0; i < tags.Length; i++)
        {
            // Callers nearly always pass their tags in the same order, so try the same position first.
            int index = string.Equals(_tags[i].Key, tags[i].Key, StringComparison.Ordinal) ? i : IndexOf(tags[i].Key);
            if (index < 0 || !Equals(_tags[index].Value, tags[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    private int IndexOf(string name)
    {
        int low = 0;
        int high = _tags.Length - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            int order = string.CompareOrdinal(_tags[middle].Key, name);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }
}
