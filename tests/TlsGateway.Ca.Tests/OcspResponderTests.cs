using System.Security.Cryptography;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// The OCSP responder (RFC 6960) driven by requests that `openssl ocsp` builds, its responses
/// checked by `openssl ocsp`: signed by the issuing intermediate, chaining to the root.
/// </summary>
public sealed class OcspResponderTests
{
    [Fact]
    public async Task A_live_leaf_is_reported_good_in_a_response_openssl_verifies()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        Files files = WriteFiles(ca, issued);

        byte[] request = await MakeRequestAsync(ca, files, nonce: false);
        string response = ca.Directory.Write("resp.der", await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request));
        ProcessResult result = await CheckResponseAsync(ca, files, response);

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("Response verify OK", result.Combined, StringComparison.Ordinal);
        Assert.Contains($"{files.Leaf}: good", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_leaf_is_reported_revoked_with_its_reason()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        await ca.Authority.RevokeAsync([issued.Serial], RevocationReason.KeyCompromise, TestCa.Operator);
        Files files = WriteFiles(ca, issued);

        byte[] request = await MakeRequestAsync(ca, files, nonce: false);
        string response = ca.Directory.Write("resp.der", await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request));
        ProcessResult result = await CheckResponseAsync(ca, files, response);

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("Response verify OK", result.Combined, StringComparison.Ordinal);
        Assert.Contains($"{files.Leaf}: revoked", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("keyCompromise", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_nonce_of_a_request_is_echoed_and_openssl_accepts_it()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        Files files = WriteFiles(ca, issued);

        byte[] request = await MakeRequestAsync(ca, files, nonce: true);
        byte[] responseBytes = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request);
        string response = ca.Directory.Write("resp.der", responseBytes);
        // With -reqin, openssl compares the response's nonce with the request's (RFC 8954).
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path,
            "ocsp", "-reqin", "req.der", "-respin", response, "-CAfile", files.Root, "-resp_text");

        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains("Response verify OK", result.Combined, StringComparison.Ordinal);
        Assert.DoesNotContain("Nonce Verify error", result.Combined, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING: no nonce", result.Combined, StringComparison.Ordinal);
        Assert.Equal(NonceOf(new OcspReq(request).RequestExtensions), NonceOf(((BasicOcspResp)new OcspResp(responseBytes).GetResponseObject()).ResponseExtensions));
    }

    [Fact]
    public async Task A_request_whose_cert_id_uses_sha256_is_answered_too()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        Files files = WriteFiles(ca, issued);
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, "ocsp", "-issuer", files.Issuer, "-sha256", "-cert", files.Leaf, "-reqout", "req.der", "-no_nonce");

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(await File.ReadAllBytesAsync(ca.Directory.PathOf("req.der")));

        string file = ca.Directory.Write("resp.der", response);
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "ocsp", "-respin", file, "-issuer", files.Issuer, "-sha256", "-cert", files.Leaf,
            "-CAfile", files.Root, "-no_nonce");
        Assert.True(result.Succeeded, result.Combined);
        Assert.Contains($"{files.Leaf}: good", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_serial_the_ca_never_issued_is_reported_unknown()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        X509Certificate issuer = new X509CertificateParser().ReadCertificate(ca.Authority.State.Active!.Intermediate.Der);
        var id = new CertificateID(CertificateID.HashSha1, issuer, new Org.BouncyCastle.Math.BigInteger(1, RandomNumberGenerator.GetBytes(16)));
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(generator.Generate().GetEncoded());

        var parsed = new OcspResp(response);
        Assert.Equal(OcspRespStatus.Successful, parsed.Status);
        SingleResp single = Assert.Single(((BasicOcspResp)parsed.GetResponseObject()).Responses);
        Assert.IsType<UnknownStatus>(single.GetCertStatus());
    }

    [Fact]
    public async Task A_request_about_another_cas_leaf_is_answered_unauthorized()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        await using TestCa stranger = await TestCa.CreateAsync();
        IssuedIdentity issued = await stranger.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        Files files = WriteFiles(stranger, issued);
        byte[] request = await MakeRequestAsync(stranger, files, nonce: false);

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request);

        Assert.Equal(OcspRespStatus.Unauthorized, new OcspResp(response).Status);
    }

    public static TheoryData<string, byte[]> MalformedRequests() => new()
    {
        { "empty", [] },
        { "random bytes", RandomNumberGenerator.GetBytes(200) },
        { "an empty SEQUENCE", [0x30, 0x00] },
        { "a SEQUENCE of one INTEGER", [0x30, 0x03, 0x02, 0x01, 0x05] },
        { "an impossible length", [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00] },
        { "text", "GET / HTTP/1.1\r\n\r\n"u8.ToArray() },
        { "over 64 KiB", [0x30, 0x83, 0x01, 0x00, 0x00, .. new byte[0x10000]] },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_request_bytes_get_a_malformed_request_response_not_an_exception(string what, byte[] request)
    {
        await using TestCa ca = await TestCa.CreateAsync();

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request);

        Assert.True(OcspRespStatus.MalformedRequest == new OcspResp(response).Status, what);
    }

    [Fact]
    public async Task A_truncated_openssl_request_gets_a_malformed_request_response_openssl_can_read()
    {
        await using TestCa ca = await TestCa.CreateAsync();
        IssuedIdentity issued = await ca.IssueToWorkloadAsync(TestCa.Workload("web"), TestCsr.Create("ec-p256"));
        byte[] request = await MakeRequestAsync(ca, WriteFiles(ca, issued), nonce: false);

        byte[] response = await new OcspResponder(ca.Authority, ca.Time).RespondAsync(request[..^5]);

        string file = ca.Directory.Write("malformed.der", response);
        ProcessResult result = await OpenSsl.RunAsync(ca.Directory.Path, "ocsp", "-respin", file, "-resp_text", "-noverify");
        Assert.Contains("malformedrequest", result.Combined.ToLowerInvariant(), StringComparison.Ordinal);
    }

    private sealed record Files(string Leaf, string Issuer, string Root);

    private static Files WriteFiles(TestCa ca, IssuedIdentity issued) => new(
        ca.Directory.Write("leaf.pem", PemText.Encode("CERTIFICATE", issued.Certificate)),
        ca.Directory.Write("ca.pem", PemText.Encode("CERTIFICATE", issued.Chain[0])),
        ca.Directory.Write("root.pem", issued.BundlePem));

    private static async Task<byte[]> MakeRequestAsync(TestCa ca, Files files, bool nonce)
    {
        string[] arguments = ["ocsp", "-issuer", files.Issuer, "-cert", files.Leaf, "-reqout", "req.der", .. nonce ? Array.Empty<string>() : ["-no_nonce"]];
        await OpenSsl.RunCheckedAsync(ca.Directory.Path, arguments);
        return await File.ReadAllBytesAsync(ca.Directory.PathOf("req.der"));
    }

    /// <summary>openssl checks the signature (the intermediate, included in the response, chaining to the root) and prints the status.</summary>
    private static Task<ProcessResult> CheckResponseAsync(TestCa ca, Files files, string response) =>
        OpenSsl.RunAsync(ca.Directory.Path, "ocsp", "-respin", response, "-issuer", files.Issuer, "-cert", files.Leaf,
            "-CAfile", files.Root, "-no_nonce");

    private static string? NonceOf(Org.BouncyCastle.Asn1.X509.X509Extensions? extensions) =>
        extensions?.GetExtension(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNonce) is { } nonce
            ? Convert.ToHexString(nonce.Value.GetOctets())
            : null;
}
