using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using TlsGateway.Identity;
using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Sds;

namespace TlsGateway.Integration.Tests.Scenarios.Sds;

/// <summary>
/// Enrolment as an operator and an agent do it: `tlsgw ca token create` prints a one-time token,
/// `tlsgw ca serve` answers the Istio CA API over HTTP/2 + TLS, and a real Grpc.Net.Client caller
/// (<see cref="IstioCaClient"/>) trades the token for a certificate once, then renews over mTLS.
/// </summary>
public sealed class IstioCaApiTests
{
    private const string Web = "spiffe://example.org/ns/shop/sa/web";

    [Fact]
    public async Task A_token_from_the_CLI_enrols_once_over_the_CA_API_and_the_certificate_then_renews_over_mTLS()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();
        string token = (await ca.RunOkAsync(["ca", "token", "create", "--identity", Web, "--ttl", "10m"])).Trim();
        int admin = FreePort.Next();
        int grpc = FreePort.Next();
        await using TlsgwProcess serve = TlsgwProcess.Start(["ca", "serve", "--data", ca.Path, "--admin", $"127.0.0.1:{admin}", "--grpc-listen", $"127.0.0.1:{grpc}"]);
        await serve.WaitForPortAsync(grpc);
        var options = new IstioCaClientOptions(new Uri($"https://localhost:{grpc}"), ca.Bundle) { BearerToken = token };

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        IssuedChain enrolled;
        using (var client = new IstioCaClient(options))
        {
            enrolled = await client.IssueAsync(Request(key), CancellationToken.None);
        }

        IdentityIssuerException replay;
        using (var again = new IstioCaClient(options))
        {
            replay = await Assert.ThrowsAsync<IdentityIssuerException>(() => again.IssueAsync(Request(key), CancellationToken.None));
        }

        string certificate = ca.PathOf("web-cert.pem");
        string keyFile = ca.PathOf("web-key.pem");
        await File.WriteAllTextAsync(certificate, string.Concat(enrolled.Chain.Select(der => PemEncoding.WriteString("CERTIFICATE", der) + "\n")));
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        ProcessResult verified = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", ca.Bundle, "-untrusted", certificate, certificate]);
        IssuedChain renewed;
        using (var mtls = new IstioCaClient(options with { BearerToken = null, CertificatePath = certificate, KeyPath = keyFile }))
        {
            using ECDsa next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            renewed = await mtls.IssueAsync(Request(next), CancellationToken.None);
        }

        string listed = await ca.RunOkAsync(["ca", "token", "list", "--json"]);

        Assert.Matches("^tlsgw-bt-[A-Za-z0-9_-]{43}$", token);
        Assert.True(verified.ExitCode == 0, verified.Combined);
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(replay.InnerException).StatusCode);
        Assert.Contains("already used", replay.Message);
        using (X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(renewed.Chain[0]))
        {
            Assert.Contains($"URI:{Web}", leaf.Extensions["2.5.29.17"]!.Format(false));
        }

        using JsonDocument tokens = JsonDocument.Parse(listed);
        JsonElement row = Assert.Single(tokens.RootElement.EnumerateArray());
        Assert.Equal(("used", Web), (row.GetProperty("state").GetString(), row.GetProperty("spiffe_id").GetString()));
        Assert.DoesNotContain(token, listed);
        Assert.DoesNotContain(token, serve.Output);
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task Token_create_refuses_an_identity_outside_the_trust_domain_with_exit_code_2()
    {
        using var ca = new CaDataDirectory();
        await ca.InitAsync();

        ProcessResult refused = await ca.RunAsync(["ca", "token", "create", "--identity", "spiffe://other.org/ns/shop/sa/web"]);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("not a workload ID of trust domain example.org", refused.StandardError);
        Assert.Equal("", refused.StandardOutput);
    }

    private static IdentityRequest Request(ECDsa key)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(Web));
        request.CertificateExtensions.Add(names.Build());
        byte[] pem = Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", request.CreateSigningRequest()));
        return new IdentityRequest(pem, SpiffeId.Parse(Web), [], TimeSpan.FromHours(1));
    }
}
