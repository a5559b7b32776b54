using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca;
using TlsGateway.Identity;
using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>What one CSR sent to the CA API came to.</summary>
public sealed record IssueAttempt(TimeSpan Started, TimeSpan Latency, string? Serial, string? Error)
{
    public bool Ok => Serial is not null;
}

/// <summary>
/// A workload calling a running `tlsgw ca serve` over the Istio CA API with mutual TLS, as an
/// agent does: its credential is a certificate the operator CLI issued (`cert issue`), and each
/// call sends a fresh key's CSR for its own identity. Every call is bounded by the client deadline.
/// </summary>
public sealed class CaApiCaller : IDisposable
{
    private readonly IstioCaClient _client;
    private readonly SpiffeId _identity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private CaApiCaller(IstioCaClient client, SpiffeId identity)
    {
        _client = client;
        _identity = identity;
    }

    public static async Task<CaApiCaller> CreateAsync(CaDataDirectory ca, CaServeProcess server, string spiffeId = "spiffe://example.org/ns/shop/sa/web",
        TimeSpan? deadline = null)
    {
        string name = "caller-" + Guid.NewGuid().ToString("N")[..8];
        await ca.IssueAsync(name, spiffeId);
        var options = new IstioCaClientOptions(new Uri(server.Address), ca.Bundle)
        {
            CertificatePath = ca.PathOf(name, "cert.pem"),
            KeyPath = ca.PathOf(name, "key.pem"),
            Deadline = deadline ?? TimeSpan.FromSeconds(20),
        };
        return new CaApiCaller(new IstioCaClient(options), SpiffeId.Parse(spiffeId));
    }

    /// <summary>Time since this caller was made, on the clock attempts are stamped with.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public async Task<IssueAttempt> IssueAsync()
    {
        TimeSpan started = _clock.Elapsed;
        (byte[] csr, _) = WorkloadKey.NewKeyAndCsr("ecdsa-p256", _identity, []);
        try
        {
            IssuedChain issued = await _client.IssueAsync(new IdentityRequest(csr, _identity, [], TimeSpan.FromHours(1)), CancellationToken.None);
            using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
            // The ledger's form: lower-case hex without leading zeros.
            return new IssueAttempt(started, _clock.Elapsed - started, leaf.SerialNumber.TrimStart('0').ToLowerInvariant(), null);
        }
        catch (IdentityIssuerException e)
        {
            return new IssueAttempt(started, _clock.Elapsed - started, null, e.Message);
        }
    }

    public void Dispose() => _client.Dispose();
}
