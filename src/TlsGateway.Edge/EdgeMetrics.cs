using System.Diagnostics.Metrics;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// The edge's instruments on the "TlsGateway.Edge" meter, published on /metrics by the host
/// (docs/metrics.md lists them with suggested alerts). One static meter: every listener and
/// chain adds to the same instruments with its name as a label, so a reload that replaces a
/// listener's objects keeps its series. Labels are bounded: listener and chain names come
/// from the config, versions and ciphers from OpenSSL's short list, reasons from an enum.
/// </summary>
public static class EdgeMetrics
{
    public const string MeterName = "TlsGateway.Edge";

    private static readonly Meter s_meter = new(MeterName);

    // Handshakes on this class of machine take 0.3–3 ms of CPU; waits for the client stretch them.
    private static readonly double[] s_handshakeBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly string[] s_reasonLabels = Enum.GetNames<TlsFailureReason>().Select(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName).ToArray();

    internal static readonly Counter<long> Handshakes = s_meter.CreateCounter<long>("tlsgw_edge_handshakes",
        description: "TLS handshakes with clients by engine, version, cipher and result (ok or the failure reason)");

    internal static readonly Histogram<double> HandshakeDuration = s_meter.CreateHistogram("tlsgw_edge_handshake_duration_seconds",
        unit: "s", description: "Time from accept to the end of the TLS handshake, including waits for the client",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_handshakeBuckets });

    internal static readonly Counter<long> ClientChainVerifications = s_meter.CreateCounter<long>("tlsgw_edge_client_chain_verifications",
        description: "Client certificate chains accepted in full handshakes, by source: cache (verified before, within its dates) or full (path validation)");

    internal static readonly Counter<long> Connections = s_meter.CreateCounter<long>("tlsgw_edge_connections",
        description: "Client connections accepted");

    internal static readonly UpDownCounter<long> ActiveConnections = s_meter.CreateUpDownCounter<long>("tlsgw_edge_connections_active",
        description: "Client connections open now");

    internal static readonly Counter<long> Rejected = s_meter.CreateCounter<long>("tlsgw_edge_connections_rejected",
        description: "Connections closed at accept before any crypto: reason connection_limit or handshake_rate");

    internal static readonly Counter<long> AcceptPauses = s_meter.CreateCounter<long>("tlsgw_edge_accept_pauses",
        description: "Times accepting paused because the process was out of file descriptors");

    internal static readonly Counter<long> ReceivedBytes = s_meter.CreateCounter<long>("tlsgw_edge_received_bytes",
        description: "Plaintext bytes received from clients and forwarded upstream");

    internal static readonly Counter<long> SentBytes = s_meter.CreateCounter<long>("tlsgw_edge_sent_bytes",
        description: "Plaintext bytes received from upstreams and sent to clients");

    internal static readonly Counter<long> UpstreamConnectFailures = s_meter.CreateCounter<long>("tlsgw_edge_upstream_connect_failures",
        description: "Failed connection attempts to an upstream endpoint (refused, unreachable or timed out)");

    internal static readonly Counter<long> UpstreamEjections = s_meter.CreateCounter<long>("tlsgw_edge_upstream_ejections",
        description: "Times an upstream endpoint was ejected after consecutive connect failures");

    internal static readonly Counter<long> NoUpstream = s_meter.CreateCounter<long>("tlsgw_edge_upstream_unavailable",
        description: "Client connections closed because no upstream endpoint of the chain accepted");

    internal static readonly Counter<long> UpstreamTlsFailures = s_meter.CreateCounter<long>("tlsgw_edge_upstream_tls_failures",
        description: "Failed TLS handshakes with upstream endpoints, by reason");

    internal static readonly Counter<long> OcspFailures = s_meter.CreateCounter<long>("tlsgw_edge_ocsp_fetch_failures",
        description: "Failed attempts to fetch or install an OCSP staple");

    internal static readonly UpDownCounter<long> OcspUnstapled = s_meter.CreateUpDownCounter<long>("tlsgw_edge_ocsp_unstapled_certificates",
        description: "Certificates configured for OCSP stapling that are served without a valid staple now");

    internal static readonly Counter<long> Reloads = s_meter.CreateCounter<long>("tlsgw_edge_reloads",
        description: "Reloads of the config and the files it names (SIGHUP, a changed file, the admin API) by result: ok, or refused (the previous config keeps serving)");

    /// <summary>Counts a reload: refused ones mean the edge serves an older config than the files on disk.</summary>
    public static void RecordReload(bool applied) => Reloads.Add(1, new KeyValuePair<string, object?>("result", applied ? "ok" : "refused"));

    /// <summary>The label value for a failure reason: the enum name in snake_case ("unknown_ca").</summary>
    public static string ReasonLabel(TlsFailureReason reason) => s_reasonLabels[(int)reason];
}
