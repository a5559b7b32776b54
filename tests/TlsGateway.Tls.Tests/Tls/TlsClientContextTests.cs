using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

public sealed class TlsClientContextTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly CertificateKeyPair _serverCertificate;

    public TlsClientContextTests(TestPki pki)
    {
        _pki = pki;
        _serverCertificate = pki.LoadServer();
    }

    public void Dispose() => _serverCertificate.Dispose();

    [Fact]
    public void A_client_without_a_trust_bundle_is_refused_unless_verification_is_explicitly_skipped()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, TrustBundlePem: null)));

        Assert.Contains("trust bundle is required", error.Message);
    }

    [Fact]
    public void A_trust_bundle_that_is_not_pem_is_rejected()
    {
        byte[] garbage = "not a certificate"u8.ToArray();

        var error = Assert.Throws<TlsConfigurationException>(() => Client(garbage));

        Assert.Contains("trust bundle", error.Message);
    }

    [Fact]
    public void A_client_skipping_verification_connects_to_a_server_it_does_not_trust()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using var client = TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, TrustBundlePem: null, InsecureSkipVerify: true));
        using InMemoryPipe pipe = Connect(client, server, "wrong.test");

        Assert.True(pipe.Handshake());
    }

    [Fact]
    public void A_server_chain_ending_at_another_root_fails_with_unknown_ca()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.OtherRootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.UnknownCa, pipe.Client.Failure?.Reason);
        Assert.Equal(TlsFailureReason.UnknownCa, pipe.Server.Failure?.Reason);
        Assert.False(pipe.Client.IsHandshakeComplete);
    }

    [Fact]
    public void A_server_certificate_for_another_name_fails_as_a_bad_certificate()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, "wrong.test");

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.BadCertificate, pipe.Client.Failure?.Reason);
        Assert.Equal(TlsFailureReason.BadCertificate, pipe.Server.Failure?.Reason);
    }

    [Fact]
    public void A_client_without_a_server_name_checks_the_chain_but_not_the_name()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server, serverName: null);

        Assert.True(pipe.Handshake());
    }

    [Fact]
    public void An_expired_server_certificate_fails_as_expired()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 root = TestCertificates.CreateRoot("Old Root", notBefore: now.AddDays(-30));
        using X509Certificate2 expired = TestCertificates.CreateLeaf(root, "CN=localhost", LocalhostName(), new Oid("1.3.6.1.5.5.7.3.1"),
            notBefore: now.AddDays(-10), notAfter: now.AddDays(-1));
        using CertificateKeyPair pair = WritePair("expired", expired);
        using TlsServerContext server = Server(Entry(pair));
        using TlsClientContext client = Client(Encoding.ASCII.GetBytes(root.ExportCertificatePem()));
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.CertificateExpired, pipe.Client.Failure?.Reason);
        Assert.Equal(TlsFailureReason.CertificateExpired, pipe.Server.Failure?.Reason);
    }

    [Fact]
    public void A_client_without_an_authorizer_still_learns_the_verified_server_identity()
    {
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.Equal(TestPki.ServerNames, pipe.Client.Peer?.DnsNames);
    }

    [Fact]
    public void A_client_authorizer_sees_the_verified_server_identity()
    {
        var authorizer = new SpiffeAuthorizer(dnsNames: ["a.test"]);
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem, authorizer: authorizer);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.True(pipe.Handshake());

        Assert.NotNull(pipe.Client.Peer);
        Assert.Equal(TestPki.ServerNames, pipe.Client.Peer.DnsNames);
    }

    [Fact]
    public void A_server_the_client_authorizer_refuses_fails_the_client_with_authorization_denied()
    {
        var authorizer = new SpiffeAuthorizer(spiffeIds: ["spiffe://example.org/upstream"]);
        using TlsServerContext server = Server(Entry(_serverCertificate));
        using TlsClientContext client = Client(_pki.RootPem, authorizer: authorizer);
        using InMemoryPipe pipe = Connect(client, server);

        Assert.False(pipe.Handshake());

        Assert.Equal(TlsFailureReason.AuthorizationDenied, pipe.Client.Failure?.Reason);
        Assert.Contains("CN=localhost", pipe.Client.Failure?.Detail);
    }

    private static SubjectAlternativeNameBuilder LocalhostName()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        return names;
    }

    private CertificateKeyPair WritePair(string name, X509Certificate2 certificate)
    {
        string unique = $"{name}-{Guid.NewGuid():N}";
        string certificatePath = _pki.Directory.Write(unique + ".pem", certificate.ExportCertificatePem());
        string keyPath = _pki.Directory.Write(unique + ".key", TestCertificates.PrivateKeyPem(certificate));
        return CertificateKeyPair.Load(certificatePath, new PrivateKeySource(keyPath));
    }
}
