using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests;

/// <summary>Issued chains accepted by OpenSSL's verifier, for each CA key type and each kind of requester key.</summary>
public sealed class OpenSslVerifyTests
{
    public static TheoryData<string, string> KeyTypes()
    {
        var data = new TheoryData<string, string>();
        foreach (string caKey in new[] { "ecdsa-p256", "ecdsa-p384", "rsa-3072" })
        {
            foreach (string csrKey in new[] { "ec-p256", "ec-p384", "rsa-2048" })
            {
                data.Add(caKey, csrKey);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task Openssl_verifies_the_leaf_against_the_bundle_with_the_chain_as_untrusted(string caKeyType, string csrKind)
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Parse(caKeyType));

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create(csrKind));
        ProcessResult result = await ca.VerifyWithOpenSslAsync(issued, "web", "-purpose", "sslclient", "-x509_strict");

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("web-leaf.pem: OK", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_also_accepts_the_leaf_for_tls_servers()
    {
        await using TestCa ca = await TestCa.CreateAsync();

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        ProcessResult result = await ca.VerifyWithOpenSslAsync(issued, "web", "-purpose", "sslserver", "-x509_strict");

        Assert.True(result.Succeeded, result.Combined);
    }

    [Fact]
    public async Task Openssl_refuses_the_leaf_against_the_bundle_of_another_ca()
    {
        // The negative control: the verification above means something only if a stranger's root fails.
        await using TestCa ca = await TestCa.CreateAsync();
        await using TestCa stranger = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        (string leaf, string chain, _) = ca.WriteFiles(issued, "web");
        string strangerBundle = ca.Directory.Write("stranger-bundle.pem", stranger.Authority.State.TrustBundlePem);

        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-CAfile", strangerBundle, "-untrusted", chain, leaf);

        Assert.False(result.Succeeded, result.Combined);
    }

    [Fact]
    public async Task The_pem_files_a_workload_gets_hold_the_leaf_then_the_intermediate_and_the_roots()
    {
        await using TestCa ca = await TestCa.CreateAsync();

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));

        List<byte[]> certPem = PemText.DecodeAll(issued.CertificateChainPem, "CERTIFICATE");
        Assert.Equal(2, certPem.Count);
        Assert.Equal(issued.Certificate, certPem[0]);
        Assert.Equal(ca.Authority.State.Active!.Intermediate.Der, certPem[1]);
        Assert.Equal([ca.Authority.State.Active!.Root.Der], PemText.DecodeAll(issued.BundlePem, "CERTIFICATE"));
    }
}
