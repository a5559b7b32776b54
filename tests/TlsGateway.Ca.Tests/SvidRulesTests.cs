using System.Security.Cryptography.X509Certificates;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;

namespace TlsGateway.Ca.Tests;

/// <summary>Issued leaves read back independently and held to the SPIFFE X.509-SVID rules and the issuance policy.</summary>
public sealed class SvidRulesTests
{
    [Theory]
    [InlineData("ec-p256")]
    [InlineData("ec-p384")]
    [InlineData("rsa-2048")]
    public async Task A_leaf_issued_from_a_csr_follows_every_x509_svid_rule(string csrKind)
    {
        await using TestCa ca = await TestCa.CreateAsync();
        ca.Time.Advance(TimeSpan.FromHours(1)); // away from the intermediate's own notBefore, so the backdate is the policy's
        SpiffeId id = TestCa.Workload("web");
        DateTimeOffset issuedAt = ca.Time.GetUtcNow();

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(id, TestCsr.Create(csrKind));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Empty(SvidChecker.Check(leaf, id.ToString()));
        Assert.Empty(SvidChecker.CheckValidity(leaf, intermediate, ca.Authority.Policy, issuedAt, ca.Authority.Policy.DefaultTtl));
        Assert.Equal(issuedAt - ca.Authority.Policy.Backdate, SvidChecker.Utc(leaf.NotBefore));
        Assert.Equal(id.ToString(), issued.SpiffeId);
    }

    [Fact]
    public async Task The_checker_itself_flags_a_ca_certificate_as_no_svid()
    {
        // Guards against a checker that passes everything: the intermediate breaks most rules.
        await using TestCa ca = await TestCa.CreateAsync();
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificate(ca.Authority.State.Active!.Intermediate.Der);

        IReadOnlyList<string> violations = SvidChecker.Check(intermediate, TestCa.Workload("web").ToString());

        Assert.Contains(violations, v => v.Contains("CA:TRUE", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("keyCertSign", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("subjectAltName", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("extendedKeyUsage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_rsa_leaf_gets_key_encipherment_and_an_ec_leaf_does_not()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        SpiffeId id = TestCa.Workload("web");

        IssuedIdentity rsa = await ca.IssueToWorkloadAsync(id, TestCsr.Create("rsa-2048"));
        IssuedIdentity ec = await ca.IssueToWorkloadAsync(id, TestCsr.Create("ec-p256"));

        using X509Certificate2 rsaLeaf = X509CertificateLoader.LoadCertificate(rsa.Certificate);
        using X509Certificate2 ecLeaf = X509CertificateLoader.LoadCertificate(ec.Certificate);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
            rsaLeaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, ecLeaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
    }

    [Fact]
    public async Task The_leaf_carries_the_csr_public_key_byte_for_byte()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        using var key = (System.Security.Cryptography.ECDsa)TestCsr.NewKey("ec-p256");

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create(key));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task A_ttl_above_the_policy_maximum_is_capped_to_it_not_denied()
    {
        var policy = new IssuancePolicy { MaxTtl = TimeSpan.FromDays(2) };
        await using TestCa ca = await TestCa.CreateAsync(policy: policy);
        DateTimeOffset issuedAt = ca.Time.GetUtcNow();
        TimeSpan requested = TimeSpan.FromDays(365);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"), requested);

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Equal(issuedAt + TimeSpan.FromDays(2), SvidChecker.Utc(leaf.NotAfter));
        Assert.Equal(issuedAt + TimeSpan.FromDays(2), issued.NotAfter);
        Assert.Empty(SvidChecker.CheckValidity(leaf, intermediate, policy, issuedAt, requested));
    }

    [Fact]
    public async Task A_requested_ttl_under_the_maximum_is_honoured_exactly()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        DateTimeOffset issuedAt = ca.Time.GetUtcNow();

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"), TimeSpan.FromMinutes(90));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        Assert.Equal(issuedAt + TimeSpan.FromMinutes(90), SvidChecker.Utc(leaf.NotAfter));
    }

    [Fact]
    public async Task A_leaf_never_outlives_the_intermediate_that_signed_it()
    {
        await using TestCa ca = await TestCa.CreateAsync(intermediateTtl: TimeSpan.FromDays(3));
        DateTimeOffset issuedAt = ca.Time.GetUtcNow();
        TimeSpan requested = TimeSpan.FromDays(30);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"), requested);

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Equal(intermediate.NotAfter, leaf.NotAfter);
        Assert.Empty(SvidChecker.CheckValidity(leaf, intermediate, ca.Authority.Policy, issuedAt, requested));
    }

    [Fact]
    public async Task The_backdated_not_before_never_precedes_the_intermediates_own()
    {
        // A backdate larger than the intermediate's age would put notBefore before the issuer's.
        var policy = new IssuancePolicy { Backdate = TimeSpan.FromHours(1) };
        await using TestCa ca = await TestCa.CreateAsync(policy: policy);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        using X509Certificate2 intermediate = X509CertificateLoader.LoadCertificate(issued.Chain[0]);
        Assert.Equal(intermediate.NotBefore, leaf.NotBefore);
    }

    [Fact]
    public async Task Dns_names_the_policy_allows_are_added_beside_the_one_uri_san()
    {
        var policy = new IssuancePolicy { WorkloadDnsNames = ["*.svc.cluster.local"] };
        await using TestCa ca = await TestCa.CreateAsync(policy: policy);
        SpiffeId id = TestCa.Workload("web");

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(id, TestCsr.Create("ec-p256", id.ToString(), ["Web.Default.svc.cluster.local"]));

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
        (List<string> uris, List<string> dns) = SvidChecker.ReadSubjectAltNames(leaf.Extensions["2.5.29.17"]!.RawData);
        Assert.Equal([id.ToString()], uris);
        Assert.Equal(["web.default.svc.cluster.local"], dns);
        Assert.Empty(SvidChecker.Check(leaf, id.ToString()));
    }

    [Fact]
    public async Task Serials_are_positive_random_and_differ_between_leaves()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        byte[] csr = TestCsr.Create("ec-p256");
        var serials = new HashSet<string>();

        for (int i = 0; i < 20; i++)
        {
            IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), csr);
            using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(issued.Certificate);
            Assert.Empty(SvidChecker.Check(leaf, TestCa.Workload("web").ToString()));
            Assert.True(serials.Add(issued.Serial));
        }

        Assert.Equal(20, serials.Count);
    }
}
