using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// `cert issue --key-type sm2` and the SDS agent make SM2 workload keys themselves: the key must
/// be the PKCS#8 OpenSSL writes for SM2, and the CSR signed SM2-with-SM3 under the default ID,
/// so OpenSSL, Bouncy Castle and our own CSR parser all accept it.
/// </summary>
public sealed class Sm2WorkloadKeyTests
{
    [Fact]
    public async Task An_sm2_workload_key_is_pkcs8_openssl_reads_and_its_csr_verifies_under_the_default_id()
    {
        using var directory = new TempDirectory();
        (byte[] csr, string keyPem) = WorkloadKey.NewKeyAndCsr(WorkloadKey.Sm2, TestCa.Workload("web"), ["web.shop.svc"]);
        string key = directory.Write("key.pem", keyPem);
        string request = directory.Write("csr.pem", PemText.Encode("CERTIFICATE REQUEST", csr));

        ProcessResult keyText = await OpenSsl.RunAsync(directory.Path, "pkey", "-in", key, "-noout", "-text");
        ProcessResult verified = await OpenSsl.RunAsync(directory.Path, "req", "-in", request, "-noout", "-verify", "-vfyopt", "distid:1234567812345678", "-text");
        ProcessResult emptyId = await OpenSsl.RunAsync(directory.Path, "req", "-in", request, "-noout", "-verify");

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", keyPem, StringComparison.Ordinal);
        Assert.True(keyText.Succeeded, keyText.Combined);
        Assert.Contains("SM2", keyText.Combined, StringComparison.Ordinal);
        // OpenSSL 3.0's `req -verify` exits 0 either way: only its message tells.
        Assert.Contains("self-signature verify OK", verified.Combined, StringComparison.Ordinal);
        Assert.Contains("SM2-with-SM3", verified.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"URI:{TestCa.Workload("web")}", verified.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("DNS:web.shop.svc", verified.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("verify failure", emptyId.Combined, StringComparison.Ordinal); // signed under the default ID, not OpenSSL's empty one
    }

    [Fact]
    public async Task An_sm2_ca_issues_an_sm2_workload_key_a_leaf_whose_key_is_that_key()
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Sm2);
        (byte[] csr, string keyPem) = WorkloadKey.NewKeyAndCsr(WorkloadKey.Sm2, TestCa.Workload("web"), []);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), csr);

        (string leaf, string chain, _) = ca.WriteFiles(issued, "sm2");
        string key = ca.Directory.Write("sm2.key", keyPem);
        ProcessResult leafLink = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-vfyopt", "distid:1234567812345678", "-partial_chain", "-CAfile", chain, leaf);
        ProcessResult leafKey = await OpenSsl.RunAsync(ca.Directory.Path, "x509", "-in", leaf, "-noout", "-pubkey");
        ProcessResult ownKey = await OpenSsl.RunAsync(ca.Directory.Path, "pkey", "-in", key, "-pubout");
        Assert.True(leafLink.Succeeded, leafLink.Combined);
        Assert.Equal(ownKey.StandardOutput, leafKey.StandardOutput);
        Assert.Equal(WorkloadKey.Sm2, WorkloadKey.TypeOf(new CaCertificate(issued.Certificate).Structure.SubjectPublicKeyInfo.GetDerEncoded()));
    }

    [Fact]
    public async Task An_ecdsa_ca_signs_an_sm2_workload_key_with_its_own_ecdsa_key()
    {
        // Allowed on purpose (docs/ca.md, "Mixed key types"): X.509 lets any CA certify any key.
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.EcdsaP256);
        (byte[] csr, _) = WorkloadKey.NewKeyAndCsr(WorkloadKey.Sm2, TestCa.Workload("web"), []);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), csr);

        var leaf = new CaCertificate(issued.Certificate);
        Assert.Equal(CaKeyType.EcdsaP256.SignatureOid, leaf.Structure.SignatureAlgorithm.Algorithm.Id);
        Assert.Equal(WorkloadKey.Sm2, WorkloadKey.TypeOf(leaf.Structure.SubjectPublicKeyInfo.GetDerEncoded()));
        Assert.True((await ca.VerifyWithOpenSslAsync(issued, "mixed")).Succeeded);
    }

    [Theory]
    [InlineData("ecdsa-p256")]
    [InlineData("ecdsa-p384")]
    [InlineData("rsa-2048")]
    [InlineData("sm2")]
    public void The_key_type_of_a_new_key_is_read_back_from_its_csr(string keyType)
    {
        (byte[] csr, _) = WorkloadKey.NewKeyAndCsr(keyType, TestCa.Workload("web"), []);

        var request = Org.BouncyCastle.Asn1.Pkcs.CertificationRequest.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(csr));

        Assert.Equal(keyType, WorkloadKey.TypeOf(request.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));
    }

    [Fact]
    public void An_unknown_key_type_is_refused_with_the_types_there_are()
    {
        FormatException e = Assert.Throws<FormatException>(() => WorkloadKey.NewKeyAndCsr("sm9", TestCa.Workload("web"), []));

        Assert.Contains("'sm9'", e.Message, StringComparison.Ordinal);
        Assert.Contains("sm2", e.Message, StringComparison.Ordinal);
    }
}
