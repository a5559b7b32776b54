using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Tls.Tests;

public class PeerIdentityTests
{
    [Fact]
    public void One_spiffe_uri_san_is_the_spiffe_id_and_gives_the_trust_domain()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri("spiffe://example.org/ns/prod/sa/web"));
        using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=web", names);

        PeerIdentity peer = PeerIdentity.FromCertificate(certificate);

        Assert.Equal("spiffe://example.org/ns/prod/sa/web", peer.SpiffeId);
        Assert.Equal("example.org", peer.TrustDomain);
        Assert.Equal(["spiffe://example.org/ns/prod/sa/web"], peer.Uris);
        Assert.Empty(peer.DnsNames);
    }

    [Fact]
    public void Two_uri_sans_are_not_a_spiffe_identity()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri("spiffe://example.org/a"));
        names.AddUri(new Uri("spiffe://example.org/b"));
        using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=two", names);

        PeerIdentity peer = PeerIdentity.FromCertificate(certificate);

        Assert.Null(peer.SpiffeId);
        Assert.Null(peer.TrustDomain);
        Assert.Equal(["spiffe://example.org/a", "spiffe://example.org/b"], peer.Uris);
    }

    [Fact]
    public void A_single_uri_san_with_another_scheme_is_not_a_spiffe_id()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri("https://example.org/web"));
        using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=web", names);

        PeerIdentity peer = PeerIdentity.FromCertificate(certificate);

        Assert.Null(peer.SpiffeId);
        Assert.Single(peer.Uris);
    }

    [Fact]
    public void Dns_sans_are_listed_in_certificate_order_beside_the_spiffe_id()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("api.example.com");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddUri(new Uri("spiffe://example.org/api"));
        names.AddDnsName("*.api.example.com");
        using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=api", names);

        PeerIdentity peer = PeerIdentity.FromCertificate(certificate);

        Assert.Equal(["api.example.com", "*.api.example.com"], peer.DnsNames);
        Assert.Equal("spiffe://example.org/api", peer.SpiffeId);
    }

    [Fact]
    public void A_certificate_without_sans_has_empty_lists_and_keeps_its_subject_and_expiry()
    {
        using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=plain, O=Test", names: null);

        PeerIdentity peer = PeerIdentity.FromCertificate(certificate);

        Assert.Null(peer.SpiffeId);
        Assert.Empty(peer.DnsNames);
        Assert.Empty(peer.Uris);
        Assert.Equal("CN=plain, O=Test", peer.Subject);
        Assert.Equal(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), peer.NotAfter);
    }
}
