using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Ca.Tests.Infrastructure;
using TlsGateway.Identity;
using TlsGateway.Storage;

namespace TlsGateway.Ca.Tests;

/// <summary>
/// Every way the CA refuses a request: each one is an <see cref="IssuanceDeniedException"/> naming
/// its <see cref="DenialReason"/>, leaves a "deny" audit event behind, and issues nothing.
/// </summary>
public sealed class IssuanceDenialTests : IAsyncLifetime
{
    private static readonly SpiffeId s_web = TestCa.Workload("web");
    private static readonly SpiffeId s_db = TestCa.Workload("db");

    private TestCa _ca = null!;

    public async Task InitializeAsync() => _ca = await TestCa.CreateAsync();

    public async Task DisposeAsync() => await _ca.DisposeAsync();

    [Fact]
    public async Task A_csr_whose_signature_does_not_verify_is_denied_as_bad_signature()
    {
        byte[] csr = TestCsr.Create("ec-p256");
        csr[^1] ^= 0x01; // the last byte of the ECDSA s value

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.BadSignature);
    }

    [Fact]
    public async Task An_rsa_csr_with_a_flipped_signature_bit_is_denied_as_bad_signature()
    {
        byte[] csr = TestCsr.Create("rsa-2048");
        csr[^10] ^= 0x80;

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.BadSignature);
    }

    [Fact]
    public async Task A_csr_whose_signed_body_was_altered_after_signing_is_denied_as_bad_signature()
    {
        // Swap the requested identity inside the signed part: db instead of web, same length.
        byte[] csr = TestCsr.Create("ec-p256", s_web.ToString());
        byte[] forged = Replace(csr, Encoding.ASCII.GetBytes("/sa/web"), Encoding.ASCII.GetBytes("/sa/xyz"));

        await AssertDeniedAsync(new IssuanceRequest(forged, TestCa.Operator), DenialReason.BadSignature);
    }

    [Fact]
    public async Task A_csr_whose_signature_bit_string_claims_unused_bits_is_denied_not_thrown()
    {
        // DER BIT STRING (X.690 §8.6.2.2): the first content octet counts unused bits; a
        // signature is whole octets, so anything but 0 is malformed input from the requester.
        byte[] csr = TestCsr.Create("ec-p256");
        AsnReader outer = new AsnReader(csr, AsnEncodingRules.DER).ReadSequence();
        outer.ReadEncodedValue();
        outer.ReadSequence();
        byte[] signature = outer.ReadBitString(out _);
        int unusedBitsOctet = csr.Length - signature.Length - 1;
        Assert.Equal(0, csr[unusedBitsOctet]);
        csr[unusedBitsOctet] = 0x01;

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.Malformed, DenialReason.BadSignature);
    }

    [Fact]
    public async Task A_workload_asking_in_its_csr_for_another_identity_is_denied_as_identity_mismatch()
    {
        byte[] csr = TestCsr.Create("ec-p256", s_db.ToString());

        IssuanceDeniedException denied = await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.IdentityMismatch);

        Assert.Contains(s_db.ToString(), denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workload_asking_through_the_request_for_another_identity_is_denied_as_identity_mismatch()
    {
        byte[] csr = TestCsr.Create("ec-p256");

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web), Identity: s_db), DenialReason.IdentityMismatch);
    }

    [Fact]
    public async Task A_csr_with_two_uri_sans_is_denied_because_an_svid_has_exactly_one()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(s_web.ToString()));
        names.AddUri(new Uri(s_db.ToString()));
        byte[] csr = TestCsr.Create(key, extensions: [names.Build()]);

        await AssertDeniedAsync(new IssuanceRequest(csr, TestCa.Operator), DenialReason.IdentityMismatch);
    }

    [Fact]
    public async Task A_csr_uri_san_that_is_not_a_spiffe_id_is_denied_as_invalid_identity()
    {
        byte[] csr = TestCsr.Create("ec-p256", "https://example.org/ns/default/sa/web");

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.InvalidIdentity);
    }

    [Fact]
    public async Task A_csr_asking_for_ca_true_is_denied_as_ca_requested()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = TestCsr.Create(key, s_web.ToString(), extensions: [new X509BasicConstraintsExtension(true, false, 0, true)]);

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.CaRequested);
    }

    [Fact]
    public async Task A_csr_asking_for_ca_false_is_accepted()
    {
        // The control for the test above: basicConstraints itself is allowed, only CA:TRUE is not.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = TestCsr.Create(key, s_web.ToString(), extensions: [new X509BasicConstraintsExtension(false, false, 0, true)]);

        IssuedIdentity issued = await _ca.Authority.IssueAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)));

        Assert.Equal(s_web.ToString(), issued.SpiffeId);
    }

    [Theory]
    [InlineData("2.5.29.30")]           // nameConstraints: would let the holder constrain a CA it is not
    [InlineData("1.3.6.1.5.5.7.1.1")]   // authorityInfoAccess
    [InlineData("1.2.3.4.5.6.7")]       // something private
    public async Task A_csr_requesting_an_extension_the_policy_does_not_grant_is_denied(string oid)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var extension = new X509Extension(oid, [0x30, 0x00], critical: false);
        byte[] csr = TestCsr.Create(key, s_web.ToString(), extensions: [extension]);

        IssuanceDeniedException denied = await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.ExtensionNotAllowed);

        Assert.Contains(oid, denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_csr_with_an_email_san_is_denied_as_an_extension_not_allowed()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(s_web.ToString()));
        names.AddEmailAddress("root@example.org");
        byte[] csr = TestCsr.Create(key, extensions: [names.Build()]);

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.ExtensionNotAllowed);
    }

    [Fact]
    public async Task An_rsa_1024_key_is_denied_as_weak()
    {
        byte[] csr = TestCsr.Create("rsa-1024");

        IssuanceDeniedException denied = await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.WeakKey);

        Assert.Contains("1024", denied.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.3.36.3.3.2.8.1.1.7")] // brainpoolP256r1
    [InlineData("1.3.132.0.10")]         // secp256k1
    [InlineData("1.2.840.10045.3.1.1")]  // secp192r1 (P-192)
    public async Task An_ec_key_on_a_curve_the_ca_does_not_accept_is_denied_as_weak(string curveOid)
    {
        using ECDsa key = ECDsa.Create(ECCurve.CreateFromValue(curveOid));
        byte[] csr = TestCsr.Create(key, s_web.ToString());

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.WeakKey);
    }

    [Fact]
    public async Task An_ec_key_with_explicit_curve_parameters_is_denied_as_weak()
    {
        // RFC 5480 §2.1.1: only namedCurve is allowed; explicit parameters hide the curve.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa explicitKey = ECDsa.Create(key.ExportExplicitParameters(false));
        byte[] csr = SignRaw(explicitKey.ExportSubjectPublicKeyInfo(), key);

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.WeakKey);
    }

    [Fact]
    public async Task Input_over_64_kib_is_denied_as_oversized_before_it_is_parsed()
    {
        byte[] input = new byte[CsrParser.MaxCsrBytes + 1];
        input[0] = 0x30;

        await AssertDeniedAsync(new IssuanceRequest(input, CaCaller.ForWorkload(s_web)), DenialReason.Oversized);
    }

    [Fact]
    public async Task A_pem_csr_padded_past_64_kib_is_denied_as_oversized()
    {
        string pem = Encoding.ASCII.GetString(TestCsr.ToPem(TestCsr.Create("ec-p256")));
        byte[] input = Encoding.ASCII.GetBytes(new string('#', CsrParser.MaxCsrBytes) + "\n" + pem);

        await AssertDeniedAsync(new IssuanceRequest(input, CaCaller.ForWorkload(s_web)), DenialReason.Oversized);
    }

    public static TheoryData<string, byte[]> MalformedDer()
    {
        byte[] csr = TestCsr.Create("ec-p256");
        return new TheoryData<string, byte[]>
        {
            { "truncated", csr[..^12] },
            { "trailing bytes", [.. csr, 0x05, 0x00] },
            { "a lone SEQUENCE header", [0x30] },
            { "an empty SEQUENCE", [0x30, 0x00] },
            { "a SEQUENCE of one INTEGER", [0x30, 0x03, 0x02, 0x01, 0x05] },
            { "an impossible length", [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00] },
            { "a certificate instead of a request", CertificateInsteadOfRequest() },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedDer))]
    public async Task Malformed_der_is_denied_as_malformed(string what, byte[] input)
    {
        Assert.False(string.IsNullOrEmpty(what));

        await AssertDeniedAsync(new IssuanceRequest(input, CaCaller.ForWorkload(s_web)), DenialReason.Malformed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\n@@@ not base64 @@@\n-----END CERTIFICATE REQUEST-----\n")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    public async Task Malformed_pem_is_denied_as_malformed(string text)
    {
        await AssertDeniedAsync(new IssuanceRequest(Encoding.ASCII.GetBytes(text), CaCaller.ForWorkload(s_web)), DenialReason.Malformed);
    }

    [Fact]
    public async Task Two_pem_csrs_in_one_input_are_denied_as_malformed()
    {
        byte[] one = TestCsr.ToPem(TestCsr.Create("ec-p256"));

        await AssertDeniedAsync(new IssuanceRequest([.. one, .. one], CaCaller.ForWorkload(s_web)), DenialReason.Malformed);
    }

    [Fact]
    public async Task A_well_formed_pem_csr_is_accepted()
    {
        // The control for the PEM denials: the same path with a good block issues.
        byte[] pem = TestCsr.ToPem(TestCsr.Create("ec-p256", s_web.ToString()));

        IssuedIdentity issued = await _ca.Authority.IssueAsync(new IssuanceRequest(pem, CaCaller.ForWorkload(s_web)));

        Assert.Equal(s_web.ToString(), issued.SpiffeId);
    }

    [Fact]
    public async Task An_operator_asking_for_an_id_in_another_trust_domain_is_denied_as_invalid_identity()
    {
        SpiffeId foreign = SpiffeId.ForWorkload("other.org", "default", "web");

        await AssertDeniedAsync(new IssuanceRequest(TestCsr.Create("ec-p256"), TestCa.Operator, Identity: foreign), DenialReason.InvalidIdentity);
    }

    [Fact]
    public async Task A_workload_of_another_trust_domain_is_denied_as_invalid_identity()
    {
        SpiffeId foreign = SpiffeId.ForWorkload("other.org", "default", "web");

        await AssertDeniedAsync(new IssuanceRequest(TestCsr.Create("ec-p256", foreign.ToString()), CaCaller.ForWorkload(foreign)),
            DenialReason.InvalidIdentity);
    }

    [Fact]
    public async Task The_trust_domain_id_itself_is_never_issued_to_anyone()
    {
        SpiffeId domain = SpiffeId.Parse("spiffe://" + TestCa.TrustDomain);

        await AssertDeniedAsync(new IssuanceRequest(TestCsr.Create("ec-p256"), TestCa.Operator, Identity: domain), DenialReason.InvalidIdentity);
    }

    [Fact]
    public async Task An_operator_request_without_any_identity_is_denied_as_invalid_identity()
    {
        await AssertDeniedAsync(new IssuanceRequest(TestCsr.Create("ec-p256"), TestCa.Operator), DenialReason.InvalidIdentity);
    }

    [Fact]
    public async Task A_dns_name_in_the_csr_that_the_policy_does_not_give_workloads_is_denied()
    {
        byte[] csr = TestCsr.Create("ec-p256", s_web.ToString(), ["login.bank.example"]);

        IssuanceDeniedException denied = await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)), DenialReason.DnsNameNotAllowed);

        Assert.Contains("login.bank.example", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dns_name_in_the_request_that_the_policy_does_not_give_workloads_is_denied()
    {
        byte[] csr = TestCsr.Create("ec-p256");

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web), DnsNames: ["db.internal"]), DenialReason.DnsNameNotAllowed);
    }

    [Theory]
    [InlineData("-bad.example")]
    [InlineData("a..b")]
    [InlineData("under_score.example")]
    [InlineData("*.example")]
    public async Task An_invalid_dns_name_is_denied_even_for_an_operator(string name)
    {
        byte[] csr = TestCsr.Create("ec-p256");

        await AssertDeniedAsync(new IssuanceRequest(csr, TestCa.Operator, Identity: s_web, DnsNames: [name]), DenialReason.DnsNameNotAllowed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public async Task A_ttl_of_zero_or_less_is_denied_as_invalid_ttl(int seconds)
    {
        byte[] csr = TestCsr.Create("ec-p256");

        await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web), Ttl: TimeSpan.FromSeconds(seconds)), DenialReason.InvalidTtl);
    }

    [Fact]
    public async Task The_denial_audit_event_names_the_caller_and_the_identity_asked_for()
    {
        byte[] csr = TestCsr.Create("ec-p256");

        await Assert.ThrowsAsync<IssuanceDeniedException>(() =>
            _ca.Authority.IssueAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web), Identity: s_db)));

        AuditEvent last = (await _ca.ReadAuditAsync())[^1];
        Assert.Equal(AuditKinds.Deny, last.Kind);
        Assert.Equal(s_web.ToString(), last.Actor);
        Assert.Equal(s_db.ToString(), last.Subject);
    }

    [Theory]
    [InlineData(6, "spiffe://example.org/ns/default/sa/web\nFAKE AUDIT LINE")]   // URI SAN
    [InlineData(2, "web.example\r\nFAKE AUDIT LINE")]                             // DNS SAN
    [InlineData(2, "web\u001b[2J.example")]                                       // terminal escape
    public async Task A_denial_never_echoes_control_characters_from_the_csr(int generalNameTag, string name)
    {
        // The message goes back to the caller and into the audit log and operator terminals.
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = TestCsr.Create(key, extensions: [RawSubjectAltName(generalNameTag, name)]);

        IssuanceDeniedException denied = await AssertDeniedAsync(new IssuanceRequest(csr, CaCaller.ForWorkload(s_web)),
            DenialReason.InvalidIdentity, DenialReason.DnsNameNotAllowed, DenialReason.Malformed);

        Assert.DoesNotContain(denied.Message, char.IsControl);
        Assert.DoesNotContain((await _ca.ReadAuditAsync())[^1].Detail, char.IsControl);
    }

    [Fact]
    public async Task A_ca_without_any_generation_denies_as_ca_unavailable_and_audits_it()
    {
        await using TestCa empty = TestCa.Prepare(CaKeyType.EcdsaP256);
        await empty.OpenAsync();

        IssuanceDeniedException denied = await Assert.ThrowsAsync<IssuanceDeniedException>(() =>
            empty.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256")));

        Assert.Equal(DenialReason.CaUnavailable, denied.Reason);
        Assert.Equal(AuditKinds.Deny, (await empty.ReadAuditAsync())[^1].Kind);
    }

    [Fact]
    public async Task A_ca_whose_intermediate_has_expired_denies_as_ca_unavailable()
    {
        await using TestCa ca = await TestCa.CreateAsync(intermediateTtl: TimeSpan.FromDays(1));
        ca.Time.Advance(TimeSpan.FromDays(2));

        IssuanceDeniedException denied = await Assert.ThrowsAsync<IssuanceDeniedException>(() =>
            ca.IssueToWorkloadAsync(s_web, TestCsr.Create("ec-p256")));

        Assert.Equal(DenialReason.CaUnavailable, denied.Reason);
        Assert.Equal(AuditKinds.Deny, (await ca.ReadAuditAsync())[^1].Kind);
        Assert.Empty(await ca.Store.ListCertificatesAsync(new CertificateQuery()));
    }

    [Theory]
    [InlineData("Example.org")]
    [InlineData("")]
    [InlineData("example.org/ns")]
    public async Task A_ca_cannot_be_opened_for_an_invalid_trust_domain(string trustDomain)
    {
        await Assert.ThrowsAsync<CaException>(() =>
            CertificateAuthority.OpenAsync(_ca.Store, trustDomain, _ca.KeyAccess, null, _ca.Time));
    }

    private async Task<IssuanceDeniedException> AssertDeniedAsync(IssuanceRequest request, params DenialReason[] reasons)
    {
        int auditBefore = (await _ca.ReadAuditAsync()).Count;

        IssuanceDeniedException denied = await Assert.ThrowsAsync<IssuanceDeniedException>(() => _ca.Authority.IssueAsync(request));

        Assert.True(reasons.Contains(denied.Reason), $"expected {string.Join(" or ", reasons)}, got {denied.Reason}: {denied.Message}");
        Assert.False(string.IsNullOrWhiteSpace(denied.Message));
        IReadOnlyList<AuditEvent> audit = await _ca.ReadAuditAsync();
        Assert.Equal(auditBefore + 1, audit.Count);
        Assert.Equal(AuditKinds.Deny, audit[^1].Kind);
        Assert.Equal(request.Caller.Name, audit[^1].Actor);
        Assert.StartsWith($"{denied.Reason}:", audit[^1].Detail, StringComparison.Ordinal);
        Assert.Empty(await _ca.Store.ListCertificatesAsync(new CertificateQuery()));
        return denied;
    }

    /// <summary>A subjectAltName holding one IA5String name as given, bypassing the checks .NET's builder makes.</summary>
    private static X509Extension RawSubjectAltName(int tag, string name)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, name, new Asn1Tag(TagClass.ContextSpecific, tag));
        }

        return new X509Extension("2.5.29.17", writer.Encode(), critical: false);
    }

    private static byte[] Replace(byte[] source, byte[] find, byte[] replacement)
    {
        int at = source.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "pattern not found in the CSR");
        byte[] result = (byte[])source.Clone();
        replacement.CopyTo(result, at);
        return result;
    }

    private static byte[] CertificateInsteadOfRequest()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=self", key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        return certificate.RawData;
    }

    /// <summary>A PKCS#10 request (RFC 2986 §4) around an arbitrary SPKI, signed by <paramref name="signer"/>.</summary>
    private static byte[] SignRaw(byte[] spki, ECDsa signer)
    {
        var info = new AsnWriter(AsnEncodingRules.DER);
        using (info.PushSequence())
        {
            info.WriteInteger(0);
            using (info.PushSequence())
            {
            }

            info.WriteEncodedValue(spki);
            info.WriteEncodedValue(new byte[] { 0xA0, 0x00 }); // attributes [0] IMPLICIT SET, empty
        }

        byte[] infoDer = info.Encode();
        byte[] signature = signer.SignData(infoDer, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var request = new AsnWriter(AsnEncodingRules.DER);
        using (request.PushSequence())
        {
            request.WriteEncodedValue(infoDer);
            using (request.PushSequence())
            {
                request.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }

            request.WriteBitString(signature);
        }

        return request.Encode();
    }
}
