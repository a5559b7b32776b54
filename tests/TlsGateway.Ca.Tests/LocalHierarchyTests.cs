using System.Net;
using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// What `tlsgw up` needs of the CA for its SM2 hierarchy: one bundle file holding both CAs' roots
/// (its own first), and IP address SANs on the certificates it issues itself for localhost.
/// </summary>
public sealed class LocalHierarchyTests
{
    [Fact]
    public async Task A_bundle_holds_the_cas_own_roots_then_those_of_its_sm2_companion_when_there_is_one()
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.EcdsaP256);
        string own = ca.Authority.State.TrustBundlePem;

        ca.Layout.WriteBundle(own);
        string alone = File.ReadAllText(ca.Layout.Bundle);
        Directory.CreateDirectory(ca.Layout.Sm2Companion.DataDirectory);
        string sm2Root = PemText.Encode("CERTIFICATE", [0x30, 0x00]);
        File.WriteAllText(ca.Layout.Sm2Companion.Bundle, sm2Root);
        new RootRotation(ca.Authority, ca.Layout).WriteBundle();
        string both = File.ReadAllText(ca.Layout.Bundle);

        Assert.Equal(own, alone);
        Assert.StartsWith(own.TrimEnd('\n') + "\n", both, StringComparison.Ordinal);
        Assert.EndsWith(sm2Root, both, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(ca.Layout.DataDirectory, "sm2", "bundle.pem"), ca.Layout.Sm2Companion.Bundle);
    }

    [Fact]
    public async Task An_operator_may_add_an_ip_address_san_and_a_workload_may_not()
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Sm2);
        (byte[] csr, _) = WorkloadKey.NewKeyAndCsr(WorkloadKey.Sm2, TestCa.Workload("edge"), []);

        IssuedIdentity issued = await ca.Authority.IssueAsync(new IssuanceRequest(csr, TestCa.Operator, TestCa.Workload("edge"),
            DnsNames: ["localhost"], IpAddresses: [IPAddress.Loopback, IPAddress.IPv6Loopback]));
        IssuanceDeniedException denied = await Assert.ThrowsAsync<IssuanceDeniedException>(() => ca.Authority.IssueAsync(
            new IssuanceRequest(csr, CaCaller.ForWorkload(TestCa.Workload("edge")), IpAddresses: [IPAddress.Loopback])));

        string leaf = ca.Directory.Write("leaf.pem", PemText.Encode("CERTIFICATE", issued.Certificate));
        ProcessResult text = await OpenSsl.RunAsync(ca.Directory.Path, "x509", "-in", leaf, "-noout", "-ext", "subjectAltName");
        Assert.Contains($"URI:{TestCa.Workload("edge")}, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", text.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DenialReason.DnsNameNotAllowed, denied.Reason);
    }
}
