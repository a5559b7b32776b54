using System.Diagnostics.Metrics;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// The CA's instruments ("TlsGateway.Ca") record what the authority did: issuances with their
/// latency, denials and revocations with their reason as a label. The meter is process-wide and
/// other tests issue in parallel, so a measurement counts here only when it is made on this
/// test's own async flow. (The /metrics exposition is tested end to end in the integration suite.)
/// </summary>
public sealed class CaMetricsTests
{
    private static readonly AsyncLocal<bool> s_mine = new();

    [Fact]
    public async Task Issuance_denial_and_revocation_are_measured_with_their_reason()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        var seen = new List<(string Instrument, double Value, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CaMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (!s_mine.Value)
            {
                return;
            }

            string? reason = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }

            lock (seen)
            {
                seen.Add((instrument.Name, value, reason));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        s_mine.Value = true;

        IssuedIdentity issued = await ca.Authority.IssueAsync(new IssuanceRequest(TestCsr.Create("ec-p256"), CaCaller.ForWorkload(TestCa.Workload("web"))));
        await Assert.ThrowsAsync<IssuanceDeniedException>(() => ca.Authority.IssueAsync(
            new IssuanceRequest(TestCsr.Create("ec-p256"), TestCa.Operator, Identity: Identity.SpiffeId.Parse("spiffe://other.org/ns/x/sa/y"))));
        await ca.Authority.RevokeAsync([issued.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        s_mine.Value = false;

        Assert.Contains(("tlsgw_ca_certificates_issued", 1.0, (string?)null), seen);
        Assert.Contains(("tlsgw_ca_issuances_denied", 1.0, "invalid_identity"), seen);
        Assert.Contains(("tlsgw_ca_certificates_revoked", 1.0, "key_compromise"), seen);
        Assert.Single(seen, s => s.Instrument == "tlsgw_ca_signing_duration_seconds" && s.Value > 0);
        Assert.Single(seen, s => s.Instrument == "tlsgw_ca_issue_duration_seconds" && s.Value > 0);
    }
}
