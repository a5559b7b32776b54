using System.Diagnostics.Metrics;

namespace TlsGateway.Sds;

/// <summary>
/// SDS counters on the "TlsGateway.Sds" meter (published as Prometheus metrics by the host):
/// open streams, pushes, ACKs, NACKs, denials, and certificate issuances and failures per
/// resource. Also kept as plain totals for tests and logs.
/// </summary>
public sealed class SdsStats : IDisposable
{
    private readonly Meter _meter = new("TlsGateway.Sds");
    private readonly Counter<long> _pushes;
    private readonly Counter<long> _acks;
    private readonly Counter<long> _nacks;
    private readonly Counter<long> _denied;
    private readonly Counter<long> _issued;
    private readonly Counter<long> _renewalFailures;
    private long _openStreams;
    private long _nackTotal;
    private long _pushTotal;

    public SdsStats()
    {
        _meter.CreateObservableGauge("tlsgw_sds_streams", () => Interlocked.Read(ref _openStreams), description: "Open SDS streams (StreamSecrets and DeltaSecrets)");
        _pushes = _meter.CreateCounter<long>("tlsgw_sds_pushes", description: "SDS responses sent");
        _acks = _meter.CreateCounter<long>("tlsgw_sds_acks", description: "SDS responses ACKed");
        _nacks = _meter.CreateCounter<long>("tlsgw_sds_nacks", description: "SDS responses NACKed by the client");
        _denied = _meter.CreateCounter<long>("tlsgw_sds_denied", description: "SDS requests refused (unknown caller or resource not allowed)");
        _issued = _meter.CreateCounter<long>("tlsgw_sds_certificates_issued", description: "Certificates the agent obtained");
        _renewalFailures = _meter.CreateCounter<long>("tlsgw_sds_renewal_failures", description: "Failed attempts to obtain a certificate");
    }

    public long OpenStreams => Interlocked.Read(ref _openStreams);

    public long Nacks => Interlocked.Read(ref _nackTotal);

    public long Pushes => Interlocked.Read(ref _pushTotal);

    public void StreamOpened() => Interlocked.Increment(ref _openStreams);

    public void StreamClosed() => Interlocked.Decrement(ref _openStreams);

    public void Pushed()
    {
        Interlocked.Increment(ref _pushTotal);
        _pushes.Add(1);
    }

    public void Acked() => _acks.Add(1);

    public void Nacked()
    {
        Interlocked.Increment(ref _nackTotal);
        _nacks.Add(1);
    }

    public void Denied() => _denied.Add(1);

    public void Issued(string resource) => _issued.Add(1, new KeyValuePair<string, object?>("resource", resource));

    public void RenewalFailed(string resource) => _renewalFailures.Add(1, new KeyValuePair<string, object?>("resource", resource));

    public void Dispose() => _meter.Dispose();
}
