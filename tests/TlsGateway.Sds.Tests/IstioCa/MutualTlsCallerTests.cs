using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Ca;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Storage;
using TlsGateway.Tls;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>Callers proven by a client certificate from this CA: renewal, revocation, foreign CAs, reloaded files.</summary>
public sealed class MutualTlsCallerTests : IAsyncLifetime
{
    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_workload_renews_its_own_identity_with_its_current_certificate_and_the_CA_records_it_as_the_actor()
    {
        (string certificate, string key, IssuedIdentity old) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        using var client = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        IssuedChain renewed = await client.IssueAsync(Workloads.Request(Workloads.Web, ttl: TimeSpan.FromHours(2)), CancellationToken.None);

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(renewed.Chain[0]);
        Assert.Empty(SvidChecker.Check(leaf, Workloads.Web.ToString()));
        Assert.NotEqual(old.Serial, leaf.SerialNumber.ToLowerInvariant().TrimStart('0'));
        Assert.InRange(renewed.NotAfter - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(121));
        AuditEvent issued = (await _server.Ca.ReadAuditAsync()).Last(e => e.Kind == AuditKinds.Issue);
        Assert.Equal(Workloads.Web.ToString(), issued.Actor);
    }

    [Fact]
    public async Task A_revoked_client_certificate_is_not_accepted()
    {
        (string certificate, string key, IssuedIdentity issued) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        await _server.Ca.Authority.RevokeAsync([issued.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        using var client = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "revoked");
    }

    [Fact]
    public async Task A_certificate_from_another_CA_for_the_same_identity_is_refused_by_OpenSSL_during_the_handshake()
    {
        await using TestCa other = await TestCa.CreateAsync();
        using System.Security.Cryptography.ECDsa key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        IssuedIdentity foreign = await other.Authority.IssueAsync(new IssuanceRequest(TestCsr.Create(key, Workloads.Web.ToString()), TestCa.Operator, Workloads.Web));
        string certificate = _server.Ca.Directory.Write("foreign-cert.pem", foreign.CertificateChainPem);
        string keyFile = _server.Ca.Directory.Write("foreign-key.pem", key.ExportPkcs8PrivateKeyPem());
        using var client = new IstioCaClient(_server.ClientOptions(credentials: (certificate, keyFile)));

        var refused = await Assert.ThrowsAsync<IdentityIssuerException>(() => client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None));

        Assert.Contains($"TLS with the CA at {_server.Address} failed (UnknownCa)", refused.Message);
        Assert.False(refused.Retryable);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(TlsFailureReason.UnknownCa), 1));
        Assert.Empty(await _server.Ca.Store.ListCertificatesAsync(new CertificateQuery(SpiffeId: Workloads.Web.ToString())));
    }

    [Fact]
    public async Task An_expired_client_certificate_is_not_accepted_but_a_token_sent_with_it_still_enrols()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web", TimeSpan.FromMinutes(10));
        _server.Ca.Time.Advance(TimeSpan.FromMinutes(30));
        using var certificateOnly = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));
        using var withToken = new IstioCaClient(_server.ClientOptions(await _server.CreateTokenAsync(Workloads.Web), (certificate, key)));

        await Outcomes.RefusedAsync(certificateOnly.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None), StatusCode.Unauthenticated, "expired");
        IssuedChain reEnrolled = await withToken.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        Assert.Equal(2, reEnrolled.Chain.Count);
    }

    [Fact]
    public async Task A_CSR_naming_another_identity_is_refused_with_the_CA_reason()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        using var client = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        await Outcomes.RefusedAsync(client.IssueAsync(Workloads.Request(Workloads.Web, csrUri: "spiffe://example.org/ns/shop/sa/admin"), CancellationToken.None),
            StatusCode.PermissionDenied, "IdentityMismatch: the CSR asks for spiffe://example.org/ns/shop/sa/admin but the request is for spiffe://example.org/ns/shop/sa/web");

        Assert.Contains(await _server.Ca.ReadAuditAsync(), e => e.Kind == AuditKinds.Deny && e.Actor == Workloads.Web.ToString());
    }

    [Fact]
    public async Task Rewritten_certificate_files_are_used_by_the_next_call_without_a_new_client()
    {
        (string certificate, string key, IssuedIdentity first) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        using var client = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));
        await client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        // The old certificate is revoked and the files replaced, as an agent's renewal would.
        await _server.Ca.Authority.RevokeAsync([first.Serial], RevocationReason.Superseded, TestCa.Operator);
        (string renewedCertificate, string renewedKey, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web-next");
        File.Copy(renewedCertificate, certificate, overwrite: true);
        File.Copy(renewedKey, key, overwrite: true);
        File.SetLastWriteTimeUtc(certificate, DateTime.UtcNow.AddSeconds(5));
        File.SetLastWriteTimeUtc(key, DateTime.UtcNow.AddSeconds(5));

        IssuedChain issued = await client.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        Assert.Equal(2, issued.Chain.Count);
    }
}
