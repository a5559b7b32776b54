using System.Net.Sockets;
using System.Text;
using TlsGateway.Ca;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;
using TlsGateway.Tls;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>
/// The CA API's TLS as OpenSSL does it in the Kestrel connection middleware: what a handshake
/// negotiates with and without a client certificate, what it refuses, renewal of the serving
/// certificate and of the trusted roots, and the agent client's own checks of the CA.
/// </summary>
public sealed class CaApiTlsTests : IAsyncLifetime
{
    private const int Tls13 = 0x0304;

    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync(handshakeTimeout: TimeSpan.FromSeconds(1));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_caller_without_a_certificate_gets_TLS_1_3_with_h2_and_the_CA_certificate_and_Kestrel_answers_HTTP_2_through_it()
    {
        using TlsClientContext client = RawCaConnection.Client(_server.BundlePath);
        await using TlsStream tls = await RawCaConnection.ConnectAsync(_server.Port, client);

        byte frame = await RawCaConnection.FirstHttp2FrameTypeAsync(tls);

        Assert.Equal(Tls13, tls.Connection.Facts!.Version);
        Assert.Equal("h2", tls.Connection.Facts.ApplicationProtocol);
        Assert.Equal(_server.Serving.Certificate.RawData, tls.Connection.PeerCertificate);
        Assert.Equal(CaServingCertificate.DefaultIdentity(TestCa.TrustDomain).ToString(), tls.Connection.Peer!.SpiffeId);
        Assert.Equal(4, frame);
    }

    [Fact]
    public async Task A_caller_with_a_certificate_from_the_CA_completes_the_handshake_and_the_service_authenticates_it_by_that_certificate()
    {
        (string certificate, string key, _) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web");
        using TlsClientContext client = RawCaConnection.Client(_server.BundlePath, (certificate, key));
        await using TlsStream tls = await RawCaConnection.ConnectAsync(_server.Port, client);
        byte frame = await RawCaConnection.FirstHttp2FrameTypeAsync(tls);
        using var agent = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        IssuedChain issued = await agent.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        Assert.Equal(4, frame);
        Assert.Equal(2, issued.Chain.Count);
        Assert.Equal(Workloads.Web.ToString(), (await _server.Ca.ReadAuditAsync()).Last(e => e.Kind == AuditKinds.Issue).Actor);
        Assert.True(_server.Tls.HandshakesCompleted >= 2);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_answered_with_an_unknown_ca_alert_the_client_reads_after_its_TLS_1_3_finished()
    {
        await using TestCa other = await TestCa.CreateAsync();
        (string certificate, string key) = await WriteForeignCredentialsAsync(other);
        using TlsClientContext client = RawCaConnection.Client(_server.BundlePath, (certificate, key));
        await using TlsStream tls = await RawCaConnection.ConnectAsync(_server.Port, client);

        var error = await Assert.ThrowsAsync<IOException>(() => RawCaConnection.FirstHttp2FrameTypeAsync(tls));

        Assert.Equal(TlsFailureReason.UnknownCa, Assert.IsType<TlsException>(error.InnerException).Failure.Reason);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(TlsFailureReason.UnknownCa), 1));
    }

    [Fact]
    public async Task An_agent_that_does_not_trust_the_CA_refuses_it_and_the_CA_counts_the_alert()
    {
        await using TestCa other = await TestCa.CreateAsync();
        string foreignBundle = _server.Ca.Directory.Write("foreign-bundle.pem", other.Authority.State.TrustBundlePem);
        using var agent = new IstioCaClient(new IstioCaClientOptions(_server.Address, foreignBundle) { BearerToken = await _server.CreateTokenAsync(Workloads.Web) });

        var refused = await Assert.ThrowsAsync<IdentityIssuerException>(() => agent.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None));

        Assert.Contains($"TLS with the CA at {_server.Address} failed (UnknownCa)", refused.Message);
        Assert.False(refused.Retryable);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(TlsFailureReason.UnknownCa), 1));
        Assert.Null(Assert.Single(await _server.Ca.Store.ListBootstrapTokensAsync()).UsedAt);
    }

    [Fact]
    public async Task An_agent_dialling_a_name_the_CA_certificate_does_not_carry_refuses_it_unless_told_the_CA_SPIFFE_ID()
    {
        var byAddress = new Uri($"https://127.0.0.1:{_server.Port}");
        SpiffeId ca = CaServingCertificate.DefaultIdentity(TestCa.TrustDomain);
        using var byName = new IstioCaClient(new IstioCaClientOptions(byAddress, _server.BundlePath) { BearerToken = await _server.CreateTokenAsync(Workloads.Web) });
        using var bySpiffeId = new IstioCaClient(new IstioCaClientOptions(byAddress, _server.BundlePath)
        {
            BearerToken = await _server.CreateTokenAsync(Workloads.Web),
            ServerIdentity = ca,
        });
        using var byWrongSpiffeId = new IstioCaClient(new IstioCaClientOptions(byAddress, _server.BundlePath)
        {
            BearerToken = await _server.CreateTokenAsync(Workloads.Web),
            ServerIdentity = TestCa.Workload("impostor"),
        });

        var nameRefused = await Assert.ThrowsAsync<IdentityIssuerException>(() => byName.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None));
        IssuedChain issued = await bySpiffeId.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);
        var idRefused = await Assert.ThrowsAsync<IdentityIssuerException>(() => byWrongSpiffeId.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None));

        Assert.Contains("failed (BadCertificate)", nameRefused.Message);
        Assert.Equal(2, issued.Chain.Count);
        Assert.Contains("failed (AuthorizationDenied)", idRefused.Message);
    }

    [Fact]
    public async Task A_renewed_serving_certificate_is_presented_to_the_next_connection_while_an_open_one_keeps_working()
    {
        using TlsClientContext client = RawCaConnection.Client(_server.BundlePath);
        await using TlsStream before = await RawCaConnection.ConnectAsync(_server.Port, client);
        byte[] first = _server.Serving.Certificate.RawData;

        _server.ServingTime.Advance(TimeSpan.FromHours(13));
        bool renewed = await _server.Serving.RenewIfDueAsync();
        await using TlsStream after = await RawCaConnection.ConnectAsync(_server.Port, client);

        Assert.True(renewed);
        Assert.Equal(first, before.Connection.PeerCertificate);
        Assert.NotEqual(first, after.Connection.PeerCertificate);
        Assert.Equal(_server.Serving.Certificate.RawData, after.Connection.PeerCertificate);
        Assert.Equal(4, await RawCaConnection.FirstHttp2FrameTypeAsync(before));
        Assert.Equal(4, await RawCaConnection.FirstHttp2FrameTypeAsync(after));
    }

    [Fact]
    public async Task After_a_root_rotation_a_certificate_from_the_new_root_passes_the_handshake_and_renews()
    {
        await new RootRotation(_server.Ca.Authority, _server.Ca.Layout, _server.Ca.Time)
            .RotateAsync(_server.Ca.Settings, _server.Ca.KeyAccess, _server.Ca.RotationOptions(), TestCa.Operator);
        (string certificate, string key, IssuedIdentity issued) = await _server.WriteClientCredentialsAsync(Workloads.Web, "web-gen2");
        using var agent = new IstioCaClient(_server.ClientOptions(credentials: (certificate, key)));

        IssuedChain renewed = await agent.IssueAsync(Workloads.Request(Workloads.Web), CancellationToken.None);

        Assert.Equal(_server.Ca.Authority.State.Active!.Intermediate.Der, issued.Chain[0]);
        Assert.Equal(2, renewed.Chain.Count);
        Assert.Equal(Workloads.Web.ToString(), (await _server.Ca.ReadAuditAsync()).Last(e => e.Kind == AuditKinds.Issue).Actor);
    }

    [Fact]
    public async Task A_client_that_never_finishes_the_handshake_is_closed_after_the_timeout_and_plain_HTTP_is_refused()
    {
        using var silent = new TcpClient();
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, _server.Port);
        using var plain = new TcpClient();
        await plain.ConnectAsync(System.Net.IPAddress.Loopback, _server.Port);
        await plain.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int silentRead = await silent.GetStream().ReadAsync(new byte[64], limit.Token);
        byte[] answer = new byte[512];
        int plainRead = await plain.GetStream().ReadAsync(answer, limit.Token);

        Assert.Equal(0, silentRead);
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(TlsFailureReason.Timeout), 1));
        Assert.Equal(1, await RawCaConnection.EventuallyAsync(() => _server.Tls.HandshakeFailures(TlsFailureReason.PlaintextHttp), 1));
        Assert.DoesNotContain("HTTP/1.1 200", Encoding.ASCII.GetString(answer, 0, plainRead));
    }

    private async Task<(string Certificate, string Key)> WriteForeignCredentialsAsync(TestCa other)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        IssuedIdentity foreign = await other.Authority.IssueAsync(new IssuanceRequest(TestCsr.Create(key, Workloads.Web.ToString()), TestCa.Operator, Workloads.Web));
        return (_server.Ca.Directory.Write("foreign-cert.pem", foreign.CertificateChainPem), _server.Ca.Directory.Write("foreign-key.pem", key.ExportPkcs8PrivateKeyPem()));
    }
}
