using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.Tests.Infrastructure;

namespace TlsGateway.Tls.Tests;

// The cache is process-wide: these tests run one after another, never beside each other.
[Collection(nameof(PeerIdentityCacheTests))]
public class PeerIdentityCacheTests
{
    [Fact]
    public void The_same_leaf_bytes_give_the_identity_computed_the_first_time()
    {
        byte[] der = Leaf("spiffe://example.org/ns/a/sa/one");

        (PeerIdentity first, byte[] firstDer) = PeerIdentityCache.Get(der);
        (PeerIdentity second, byte[] secondDer) = PeerIdentityCache.Get(der.ToArray());

        Assert.Same(first, second);
        Assert.Same(firstDer, secondDer);
        Assert.Equal(der, firstDer);
        Assert.Equal("spiffe://example.org/ns/a/sa/one", first.SpiffeId);
    }

    [Fact]
    public void A_leaf_that_differs_in_one_byte_is_read_anew_and_never_answered_from_another_entry()
    {
        byte[] one = Leaf("spiffe://example.org/ns/a/sa/one");
        byte[] two = Leaf("spiffe://example.org/ns/a/sa/two");

        Assert.Equal("spiffe://example.org/ns/a/sa/one", PeerIdentityCache.Get(one).Identity.SpiffeId);
        Assert.Equal("spiffe://example.org/ns/a/sa/two", PeerIdentityCache.Get(two).Identity.SpiffeId);
        byte[] altered = one.ToArray();
        altered[^1] ^= 1; // the signature's last byte: still parses, different bytes
        Assert.NotSame(PeerIdentityCache.Get(one).Der, PeerIdentityCache.Get(altered).Der);
    }

    [Fact]
    public void The_cache_never_holds_more_than_its_capacity()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        for (int i = 0; i <= PeerIdentityCache.Capacity; i++)
        {
            PeerIdentityCache.Get(Leaf($"spiffe://example.org/ns/a/sa/w{i}", key));
        }

        Assert.InRange(PeerIdentityCache.Count, 1, PeerIdentityCache.Capacity);
    }

    private static byte[] Leaf(string spiffeId, ECDsa? key = null)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(spiffeId));
        if (key is null)
        {
            using X509Certificate2 certificate = TestCertificates.CreateSelfSigned("CN=w", names);
            return certificate.RawData;
        }

        var request = new CertificateRequest("CN=w", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 signed = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        return signed.RawData;
    }
}
