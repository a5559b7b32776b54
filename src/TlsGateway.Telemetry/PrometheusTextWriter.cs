namespace TlsGateway.Telemetry;

/// <summary>
/// Writes metric families in the Prometheus text format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): HELP and
/// TYPE once per family, families sorted by name and series by label set so that two scrapes of
/// the same state are byte-identical. Series of several instruments with the same rendered
/// label set are summed, since the format allows each label set once per family.
/// Non-goals: timestamps, exemplars, OpenMetrics.
/// </summary>
internal static class PrometheusTextWriter
{
    public static void Write(TextWriter writer, IEnumerable<MetricFamily> families)
    {
        foreach (MetricFamily family in families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (family.Kind == InstrumentKind.Histogram)
            {
                WriteHistogram(writer, family);
            }
            else
            {
                WriteValues(writer, family);
            }
        }
    }

    private static void WriteValues(TextWriter writer, MetricFamily family)
    {
        var merged = new SortedDictionary<string, (long Long, double Double)>(StringComparer.Ordinal);
        bool isIntegral = true;
        foreach (InstrumentState instrument in family.Instruments)
        {
            isIntegral &= instrument.IsIntegral;
            foreach (Series series in instrument.Series)
            {
                merged.TryGetValue(series.Labels, out (long Long, double Double) sum);
                merged[series.Labels] = (sum.Long + series.Long, sum.Double + series.Double);
            }
        }

        if (merged.Count == 0)
        {
            // Nothing measured yet: no samples to show, and a bare HELP/TYPE says nothing.
            return;
        }

        WriteHeader(writer, family);
        foreach (KeyValuePair<string, (long Long, double Double)> series in merged)
        {
            string value = isIntegral
                ? PrometheusNames.Value(series.Value.Long)
                : PrometheusNames.Value(series.Value.Long + series.Value.Double);
            WriteSample(writer, family.Name, series.Key, extraLabel: null, value);
        }
    }

    private static void WriteHistogram(TextWriter writer, MetricFamily family)
    {
        double[] upperBounds = family.UpperBounds;
        var merged = new SortedDictionary<string, (long[] Buckets, double Sum)>(StringComparer.Ordinal);
        foreach (InstrumentState instrument in family.Instruments)
        {
            foreach (Series series in instrument.Series)
            {
                if (!merged.TryGetValue(series.Labels, out (long[] Buckets, double Sum) sum))
                {
                    sum = (new long[upperBounds.Length + 1], 0d);
                }

                series.AddBucketsTo(sum.Buckets);
                merged[series.Labels] = (sum.Buckets, sum.Sum + series.Double);
            }
        }

        if (merged.Count == 0)
        {
            return;
        }

        WriteHeader(writer, family);
        foreach (KeyValuePair<string, (long[] Buckets, double Sum)> series in merged)
        {
            // _count is the +Inf bucket by construction, so the two can never disagree, even
            // when a measurement lands between reading one bucket and the next.
            long cumulative = 0;
            for (int i = 0; i < series.Value.Buckets.Length; i++)
            {
                cumulative += series.Value.Buckets[i];
                string le = i < upperBounds.Length ? PrometheusNames.Value(upperBounds[i]) : "+Inf";
                WriteSample(writer, family.Name + "_bucket", series.Key, "le=\"" + le + "\"", PrometheusNames.Value(cumulative));
            }

            WriteSample(writer, family.Name + "_sum", series.Key, extraLabel: null, PrometheusNames.Value(series.Value.Sum));
            WriteSample(writer, family.Name + "_count", series.Key, extraLabel: null, PrometheusNames.Value(cumulative));
        }
    }

    private static void WriteHeader(TextWriter writer, MetricFamily family)
    {
        // promtool's lint wants HELP on every family; the name itself is better than nothing.
        string help = PrometheusNames.Help(family.Description?.TrimEnd() ?? string.Empty);
        if (help.Length == 0)
        {
            help = family.Name;
        }

        writer.Write($"# HELP {family.Name} {help}\n");
        writer.Write($"# TYPE {family.Name} {family.PrometheusType}\n");
    }

    private static void WriteSample(TextWriter writer, string name, string labels, string? extraLabel, string value)
    {
        writer.Write(name);
        if (labels.Length > 0 || extraLabel is not null)
        {
            writer.Write('{');
            writer.Write(labels);
            if (extraLabel is not null)
            {
                writer.Write(labels.Length > 0 ? "," : string.Empty);
                writer.Write(extraLabel);
            }

            writer.Write('}');
        }

        writer.Write(' ');
        writer.Write(value);
        writer.Write('\n');
    }
}
