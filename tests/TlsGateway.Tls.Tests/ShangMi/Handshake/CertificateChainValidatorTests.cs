using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.ShangMi;
using X509CertificateRequest = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// <see cref="CertificateChainValidator"/> on SM2 chains made by OpenSSL at test time
/// (tests/peers/bc-tls/make-sm2-pki.sh, run twice for two unrelated PKIs with the same names) and on
/// an ECDSA chain made with .NET's <see cref="X509CertificateRequest"/>. Each failure has its RFC 8446 §6.2 alert.
/// </summary>
public sealed class CertificateChainValidatorTests(CertificateChainValidatorTests.PkiFixture pki) : IClassFixture<CertificateChainValidatorTests.PkiFixture>
{
    [Fact]
    public void An_sm2_client_chain_through_an_intermediate_to_its_root_is_accepted()
    {
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]]);

        validator.Validate(pki.First("sm2-client-chain.pem"));
    }

    [Fact]
    public void An_sm2_client_chain_that_includes_the_root_itself_is_accepted()
    {
        byte[] root = pki.First("sm2-root.pem")[0];
        var validator = new CertificateChainValidator([root]);

        validator.Validate([.. pki.First("sm2-client-chain.pem"), root]);
    }

    [Fact]
    public void A_chain_checked_against_the_root_of_another_pki_with_the_same_names_is_unknown_ca()
    {
        var validator = new CertificateChainValidator([pki.Second("sm2-root.pem")[0]]);

        Assert.Equal(AlertDescription.UnknownCa, AlertOf(() => validator.Validate(pki.First("sm2-client-chain.pem"))));
    }

    [Fact]
    public void A_leaf_without_its_intermediate_is_unknown_ca()
    {
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]]);

        Assert.Equal(AlertDescription.UnknownCa, AlertOf(() => validator.Validate(pki.First("sm2-client.pem"))));
    }

    [Fact]
    public void A_leaf_whose_signature_has_one_byte_changed_is_a_bad_certificate()
    {
        List<byte[]> chain = pki.First("sm2-client-chain.pem");
        byte[] leaf = (byte[])chain[0].Clone();
        // The signature BIT STRING closes the certificate, so its last byte is the low byte of s.
        leaf[^1] ^= 0x01;
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]]);

        Assert.Equal(AlertDescription.BadCertificate, AlertOf(() => validator.Validate([leaf, chain[1]])));
    }

    [Fact]
    public void Bytes_that_are_not_a_certificate_are_a_bad_certificate()
    {
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]]);

        Assert.Equal(AlertDescription.BadCertificate, AlertOf(() => validator.Validate([[0x30, 0x03, 0x02, 0x01, 0x00]])));
    }

    [Fact]
    public void A_clock_after_the_leaf_expires_makes_the_chain_certificate_expired()
    {
        List<byte[]> chain = pki.First("sm2-client-chain.pem");
        DateTimeOffset notAfter = X509CertificateLoader.LoadCertificate(chain[0]).NotAfter.ToUniversalTime();
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]], new FixedClock(notAfter.AddDays(1)));

        Assert.Equal(AlertDescription.CertificateExpired, AlertOf(() => validator.Validate(chain)));
    }

    [Fact]
    public void A_clock_before_the_leaf_is_valid_makes_the_chain_certificate_expired()
    {
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]], new FixedClock(DateTimeOffset.UtcNow.AddDays(-2)));

        Assert.Equal(AlertDescription.CertificateExpired, AlertOf(() => validator.Validate(pki.First("sm2-client-chain.pem"))));
    }

    [Fact]
    public void More_than_eight_certificates_are_refused_as_a_bad_certificate()
    {
        List<byte[]> chain = pki.First("sm2-client-chain.pem");
        var validator = new CertificateChainValidator([pki.First("sm2-root.pem")[0]]);

        Assert.Equal(AlertDescription.BadCertificate, AlertOf(() => validator.Validate([.. Enumerable.Repeat(chain[0], 9)])));
    }

    [Fact]
    public void An_ecdsa_leaf_signed_by_an_ecdsa_root_from_certificate_request_is_accepted()
    {
        (byte[] root, byte[] leaf) = EcdsaChain(rootIsCa: true);

        new CertificateChainValidator([root]).Validate([leaf]);
    }

    [Fact]
    public void An_ecdsa_leaf_signed_by_a_root_that_is_not_a_ca_is_refused()
    {
        (byte[] root, byte[] leaf) = EcdsaChain(rootIsCa: false);

        Assert.Equal(AlertDescription.UnknownCa, AlertOf(() => new CertificateChainValidator([root]).Validate([leaf])));
    }

    [Fact]
    public void An_ecdsa_leaf_signed_with_sha384_is_an_unsupported_certificate()
    {
        (byte[] root, byte[] leaf) = EcdsaChain(rootIsCa: true, HashAlgorithmName.SHA384);

        Assert.Equal(AlertDescription.UnsupportedCertificate, AlertOf(() => new CertificateChainValidator([root]).Validate([leaf])));
    }

    private static (byte[] Root, byte[] Leaf) EcdsaChain(bool rootIsCa, HashAlgorithmName? hash = null)
    {
        using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        var rootRequest = new X509CertificateRequest("O=tlsgw-test, CN=ECDSA-Unit-Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(rootIsCa, false, 0, critical: true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        using X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var leafRequest = new X509CertificateRequest("O=tlsgw-test, CN=ecdsa-unit-client", leafKey, hash ?? HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        using X509Certificate2 leaf = leafRequest.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey),
            now.AddMinutes(-5), now.AddHours(12), new byte[] { 1, 2, 3, 4 });
        return (root.RawData, leaf.RawData);
    }

    private static AlertDescription AlertOf(Action validate) => Assert.Throws<TlsProtocolException>(validate).Alert;

    /// <summary>A clock stopped at one instant.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Two throwaway PKIs from make-sm2-pki.sh; their names are identical, their keys are not.</summary>
    public sealed class PkiFixture : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("tlsgw-client-chain-").FullName;

        public PkiFixture()
        {
            TestPkiFiles.Make(Path.Combine(_root, "first"));
            TestPkiFiles.Make(Path.Combine(_root, "second"));
        }

        public List<byte[]> First(string name) => TestPkiFiles.ReadPem(Path.Combine(_root, "first", name));

        public List<byte[]> Second(string name) => TestPkiFiles.ReadPem(Path.Combine(_root, "second", name));

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
