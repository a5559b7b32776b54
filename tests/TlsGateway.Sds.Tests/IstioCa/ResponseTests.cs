using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using TlsGateway.Ca;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Grpc.Istio;

namespace TlsGateway.Sds.Tests.IstioCa;

/// <summary>The wire response (Istio's chain order), validity_duration, ClusterID and malformed CSRs, on a raw gRPC client.</summary>
public sealed class ResponseTests : IAsyncLifetime
{
    private IstioCaTestServer _server = null!;

    public async Task InitializeAsync() => _server = await IstioCaTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<IstioCertificateResponse> CallAsync(string csr, long validitySeconds = 0, string? clusterId = null)
    {
        using IstioCaChannel channel = IstioCaChannel.Create(_server.ClientOptions());
        var headers = new Metadata { { "authorization", "Bearer " + await _server.CreateTokenAsync(Workloads.Web) } };
        if (clusterId is not null)
        {
            headers.Add("ClusterID", clusterId);
        }

        return await channel.Client.CreateCertificateAsync(new IstioCertificateRequest { Csr = csr, ValidityDuration = validitySeconds }, headers,
            DateTime.UtcNow.AddSeconds(10));
    }

    private static string CsrPem() => System.Text.Encoding.ASCII.GetString(Workloads.Request(Workloads.Web).Csr);

    [Fact]
    public async Task The_chain_is_leaf_then_intermediate_then_the_signing_root_last_and_openssl_verifies_it()
    {
        IstioCertificateResponse response = await CallAsync(CsrPem());

        Assert.Equal(3, response.CertChain.Count);
        Assert.All(response.CertChain, pem => Assert.Single(PemText.DecodeAll(pem, "CERTIFICATE")));
        CaGenerationKeys active = _server.Ca.Authority.State.Active!;
        Assert.Equal(active.Intermediate.Der, PemText.DecodeFirst(response.CertChain[1], "CERTIFICATE"));
        Assert.Equal(active.Root.Der, PemText.DecodeFirst(response.CertChain[2], "CERTIFICATE"));
        string leaf = _server.Ca.Directory.Write("leaf.pem", response.CertChain[0]);
        string intermediate = _server.Ca.Directory.Write("intermediate.pem", response.CertChain[1]);
        string root = _server.Ca.Directory.Write("root.pem", response.CertChain[2]);
        ProcessResult verified = await OpenSsl.RunAsync(_server.Ca.Directory.Path, "verify", "-CAfile", root, "-untrusted", intermediate, leaf);
        Assert.True(verified.Succeeded, verified.Combined);
        Assert.Contains("leaf.pem: OK", verified.StandardOutput);
    }

    [Fact]
    public async Task Validity_duration_sets_the_lifetime_and_zero_means_the_policy_default()
    {
        IstioCertificateResponse oneHour = await CallAsync(CsrPem(), validitySeconds: 3600);
        IstioCertificateResponse byDefault = await CallAsync(CsrPem(), validitySeconds: 0);

        static TimeSpan Remaining(IstioCertificateResponse r, DateTimeOffset now)
        {
            using X509Certificate2 leaf = X509Certificate2.CreateFromPem(r.CertChain[0]);
            return new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero) - now;
        }

        DateTimeOffset now = _server.Ca.Time.GetUtcNow();
        Assert.InRange(Remaining(oneHour, now), TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60));
        Assert.InRange(Remaining(byDefault, now), IssuancePolicy.Default.DefaultTtl - TimeSpan.FromMinutes(1), IssuancePolicy.Default.DefaultTtl);
    }

    [Fact]
    public async Task A_ClusterID_other_than_the_configured_cluster_is_refused_and_the_configured_one_is_accepted()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => CallAsync(CsrPem(), clusterId: "elsewhere"));
        IstioCertificateResponse accepted = await CallAsync(CsrPem(), clusterId: IstioCaOptions.Default.ClusterId);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("ClusterID 'elsewhere'", refused.Status.Detail);
        Assert.Equal(3, accepted.CertChain.Count);
    }

    [Fact]
    public async Task A_malformed_CSR_is_an_invalid_argument_with_the_CA_reason_and_an_empty_one_spends_no_token()
    {
        var malformed = await Assert.ThrowsAsync<RpcException>(() => CallAsync("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
        var empty = await Assert.ThrowsAsync<RpcException>(() => CallAsync(""));

        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.StartsWith("Malformed:", malformed.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Single(await _server.Ca.Store.ListBootstrapTokensAsync(), t => t.UsedAt is null);
    }
}
