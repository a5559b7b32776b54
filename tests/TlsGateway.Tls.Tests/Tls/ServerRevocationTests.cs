using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// Server-certificate revocation on the client side (upstream origination, RFC 5280 section 6.3):
/// a client context given CRLs checks the server's leaf against its issuer's CRL and fails closed.
/// </summary>
public sealed class ServerRevocationTests : IDisposable
{
    private readonly RevocationPki _pki = new();
    private readonly X509Certificate2 _revokedLeaf;
    private readonly CertificateKeyPair _goodServer;
    private readonly CertificateKeyPair _revokedServer;

    public ServerRevocationTests()
    {
        _goodServer = _pki.Load("good", TestCertificates.CreateServerLeaf(_pki.Root, "localhost"));
        _revokedLeaf = TestCertificates.CreateServerLeaf(_pki.Root, "localhost");
        _revokedServer = _pki.Load("revoked", _revokedLeaf);
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void A_client_with_a_CRL_refuses_a_server_listed_on_it_as_certificate_revoked()
    {
        byte[] crl = RevocationPki.Crl(_pki.Root, [_revokedLeaf]);

        (bool ok, TlsFailureReason? client) = Handshake(crl, _revokedServer);

        Assert.False(ok);
        Assert.Equal(TlsFailureReason.CertificateRevoked, client);
    }

    [Fact]
    public void A_client_with_a_PEM_CRL_connects_to_a_server_it_does_not_list()
    {
        byte[] pem = Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, [_revokedLeaf])));

        (bool ok, _) = Handshake(pem, _goodServer);

        Assert.True(ok);
    }

    [Fact]
    public void A_server_whose_issuer_has_no_CRL_is_refused_because_revocation_fails_closed()
    {
        byte[] crl = RevocationPki.Crl(_pki.OtherRoot, []);

        (bool ok, TlsFailureReason? client) = Handshake(crl, _goodServer);

        Assert.False(ok);
        Assert.Equal(TlsFailureReason.RevocationUnknown, client);
    }

    [Fact]
    public void Without_a_CRL_a_listed_server_is_still_accepted_because_revocation_is_opt_in()
    {
        (bool ok, _) = Handshake(crl: null, _revokedServer);

        Assert.True(ok);
    }

    [Fact]
    public void Bytes_that_are_not_a_CRL_make_the_client_context_fail_to_build()
    {
        var options = new TlsClientOptions(TlsProfile.Default, _pki.RootPem, RevocationList: _pki.RootPem);

        var error = Assert.Throws<TlsConfigurationException>(() => TlsClientContext.Create(options));

        Assert.Contains("CRL", error.Message);
    }

    [Fact]
    public void A_CRL_is_refused_on_a_client_that_skips_verification()
    {
        var options = new TlsClientOptions(TlsProfile.Default, null, InsecureSkipVerify: true, RevocationList: RevocationPki.Crl(_pki.Root, []));

        var error = Assert.Throws<TlsConfigurationException>(() => TlsClientContext.Create(options));

        Assert.Contains("CRL needs server verification", error.Message);
    }

    private (bool Ok, TlsFailureReason? Client) Handshake(byte[]? crl, CertificateKeyPair serverCertificate)
    {
        using TlsServerContext server = Server(Entry(serverCertificate));
        using TlsClientContext client = TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, _pki.RootPem, RevocationList: crl));
        using InMemoryPipe pipe = Connect(client, server);
        bool ok = pipe.Handshake();
        return (ok, pipe.Client.Failure?.Reason);
    }
}
