using System.Diagnostics.Metrics;

namespace TlsGateway.Host.Admin;

/// <summary>
/// Every certificate the process serves or holds, gathered from the roles running in it (edge
/// chains, SDS identities, the agent's own identity, CA roots and intermediates, the CA API's
/// serving certificate). Published as <c>tlsgw_certificate_expiry_seconds</c> — the alert every
/// on-call wants — listed by GET /admin/certificates, and checked by /readyz. Sources are read
/// at each scrape, so a certificate that is replaced or dropped leaves the gauge with it.
/// </summary>
internal sealed class CertificateInventory : IDisposable
{
    public const string MeterName = "TlsGateway.Certificates";

    private readonly Meter _meter = new(MeterName);
    private readonly List<Func<IEnumerable<HeldCertificate>>> _sources = [];
    private readonly TimeProvider _time;

    public CertificateInventory(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _meter.CreateObservableGauge("tlsgw_certificate_expiry_seconds", Observe, unit: "s",
            description: "Seconds until each served or held certificate expires (negative once expired)");
    }

    public void Add(Func<IEnumerable<HeldCertificate>> source)
    {
        lock (_sources)
        {
            _sources.Add(source);
        }
    }

    /// <summary>Everything held now, soonest expiry first. A source that fails is skipped (and shows as missing), never fatal.</summary>
    public IReadOnlyList<HeldCertificate> Snapshot()
    {
        Func<IEnumerable<HeldCertificate>>[] sources;
        lock (_sources)
        {
            sources = _sources.ToArray();
        }

        var all = new List<HeldCertificate>();
        foreach (Func<IEnumerable<HeldCertificate>> source in sources)
        {
            try
            {
                // Serials in one spelling (lower-case hex), whichever library parsed the certificate.
                all.AddRange(source().Select(c => c with { Serial = c.Serial.ToLowerInvariant() }));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                // A role shutting down or a file being replaced: the next scrape sees it again.
            }
        }

        return all.OrderBy(c => c.NotAfter).ToList();
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (HeldCertificate held in Snapshot())
        {
            yield return new Measurement<double>(Math.Round((held.NotAfter - now).TotalSeconds),
                new KeyValuePair<string, object?>("role", held.Role),
                new KeyValuePair<string, object?>("name", held.Name),
                new KeyValuePair<string, object?>("serial", held.Serial));
        }
    }

    public void Dispose() => _meter.Dispose();
}
