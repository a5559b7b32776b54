using TlsGateway.Ca.Tests.Infrastructure;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// SM2 CAs issue SM2-with-SM3 certificates signed with the standard distinguishing ID
/// "1234567812345678" (the GB/T 35276 default, which RFC 8998 keeps for certificates). OpenSSL 3.0 verifies SM2
/// signatures with an empty ID unless told otherwise, and `-vfyopt distid:` applies to one link
/// only, so each link is checked on its own (a chain check needs Tongsuo or OpenSSL with a
/// per-certificate ID).
/// </summary>
public sealed class Sm2IssuanceTests
{
    [Fact]
    public async Task An_sm2_ca_signs_an_sm2_csr_and_each_link_verifies_with_the_standard_id()
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Sm2);
        string key = Path.Combine(ca.Directory.Path, "sm2.key");
        string csr = Path.Combine(ca.Directory.Path, "sm2.csr");
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "genpkey", "-algorithm", "SM2", "-out", key);
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "req", "-new", "-key", key, "-sm3", "-sigopt", "distid:1234567812345678", "-subj", "/",
            "-addext", $"subjectAltName=URI:{TestCa.Workload("web")}", "-out", csr);

        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), await File.ReadAllBytesAsync(csr));

        string leaf = ca.Directory.Write("leaf.pem", PemText.Encode("CERTIFICATE", issued.Certificate));
        string intermediate = ca.Directory.Write("intermediate.pem", PemText.Encode("CERTIFICATE", issued.Chain[0]));
        string root = ca.Directory.Write("root.pem", PemText.Encode("CERTIFICATE", issued.TrustedRoots[0]));
        ProcessResult text = await OpenSsl.RunAsync(ca.Directory.Path, "x509", "-in", leaf, "-noout", "-text");
        ProcessResult leafLink = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-vfyopt", "distid:1234567812345678", "-partial_chain",
            "-CAfile", intermediate, leaf);
        ProcessResult intermediateLink = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-vfyopt", "distid:1234567812345678",
            "-CAfile", root, intermediate);
        ProcessResult emptyId = await OpenSsl.RunAsync(ca.Directory.Path, "verify", "-partial_chain", "-CAfile", intermediate, leaf);

        Assert.Contains("Signature Algorithm: SM2-with-SM3", text.StandardOutput, StringComparison.Ordinal);
        Assert.True(leafLink.Succeeded, leafLink.Combined);
        Assert.True(intermediateLink.Succeeded, intermediateLink.Combined);
        Assert.False(emptyId.Succeeded, "signed with the standard ID, so OpenSSL's empty default must not match:\n" + emptyId.Combined);
    }

    [Fact]
    public async Task An_sm2_csr_whose_signature_was_altered_is_denied()
    {
        await using TestCa ca = await TestCa.CreateAsync(CaKeyType.Sm2);
        string key = Path.Combine(ca.Directory.Path, "sm2.key");
        string csr = Path.Combine(ca.Directory.Path, "sm2.der");
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "genpkey", "-algorithm", "SM2", "-out", key);
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "req", "-new", "-key", key, "-sm3", "-sigopt", "distid:1234567812345678", "-subj", "/",
            "-outform", "DER", "-out", csr);
        byte[] der = await File.ReadAllBytesAsync(csr);
        der[^3] ^= 0x01; // inside the signature's last INTEGER

        IssuanceDeniedException denied = await Assert.ThrowsAsync<IssuanceDeniedException>(() => ca.IssueToWorkloadAsync(TestCa.Workload("web"), der));

        Assert.Equal(DenialReason.BadSignature, denied.Reason);
    }
}
