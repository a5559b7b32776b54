using System.Diagnostics.Metrics;

namespace TlsGateway.Ca;

/// <summary>
/// The CA's instruments on the "TlsGateway.Ca" meter, published on /metrics by the host:
/// issuances, denials by reason, revocations by reason, how long issuing takes, and store
/// errors by operation. Static, like the edge's: every CA object in the process adds to them.
/// </summary>
public static class CaMetrics
{
    public const string MeterName = "TlsGateway.Ca";

    private static readonly Meter s_meter = new(MeterName);

    // Signing is ~0.1–2 ms (ECDSA to RSA-3072); the ledger write dominates on PostgreSQL.
    private static readonly double[] s_buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    internal static readonly Counter<long> Issued = s_meter.CreateCounter<long>("tlsgw_ca_certificates_issued",
        description: "Certificates issued and recorded in the ledger");

    internal static readonly Counter<long> Denied = s_meter.CreateCounter<long>("tlsgw_ca_issuances_denied",
        description: "Issuance requests refused, by reason");

    internal static readonly Counter<long> Revoked = s_meter.CreateCounter<long>("tlsgw_ca_certificates_revoked",
        description: "Certificates revoked, by reason");

    internal static readonly Histogram<double> SigningDuration = s_meter.CreateHistogram("tlsgw_ca_signing_duration_seconds",
        unit: "s", description: "Time to build and sign one leaf certificate",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });

    internal static readonly Histogram<double> IssueDuration = s_meter.CreateHistogram("tlsgw_ca_issue_duration_seconds",
        unit: "s", description: "Time to answer an issuance request: CSR checks, signing and the ledger write",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });

    internal static readonly Counter<long> StoreErrors = s_meter.CreateCounter<long>("tlsgw_ca_store_errors",
        description: "Store operations that failed (database unreachable, locked, disk full), by operation");

    /// <summary>An enum value as a label: its name in snake_case ("identity_mismatch").</summary>
    internal static string Label<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Counts a store failure seen outside the authority (e.g. a refresh loop).</summary>
    public static void StoreError(string operation) => StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));
}
