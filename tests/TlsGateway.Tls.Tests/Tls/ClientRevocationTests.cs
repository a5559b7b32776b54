using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// Client-certificate revocation (RFC 5280 section 6.3) through the real engine on both sides:
/// CRLs made in-test with .NET's CRL builder, signed by the root that issued the clients.
/// </summary>
public sealed class ClientRevocationTests : IDisposable
{
    private const string ClientSpiffeId = "spiffe://example.org/ns/default/sa/client";

    private readonly RevocationPki _pki = new();
    private readonly X509Certificate2 _revokedLeaf;
    private readonly CertificateKeyPair _server;
    private readonly CertificateKeyPair _goodClient;
    private readonly CertificateKeyPair _revokedClient;

    public ClientRevocationTests()
    {
        _server = _pki.Load("server", TestCertificates.CreateServerLeaf(_pki.Root, "localhost"));
        _goodClient = _pki.Load("good", TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId));
        _revokedLeaf = TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId);
        _revokedClient = _pki.Load("revoked", _revokedLeaf);
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void A_client_listed_on_its_issuers_CRL_is_refused_as_certificate_revoked()
    {
        byte[] crl = RevocationPki.Crl(_pki.Root, [_revokedLeaf]);

        (bool ok, TlsConnectionOutcome outcome) = Handshake(crl, _revokedClient);

        Assert.False(ok);
        Assert.Equal(TlsFailureReason.CertificateRevoked, outcome.Server);
        Assert.Equal(TlsFailureReason.CertificateRevoked, outcome.Client);
    }

    [Fact]
    public void A_client_not_listed_on_a_current_CRL_is_admitted()
    {
        byte[] crl = RevocationPki.Crl(_pki.Root, [_revokedLeaf]);

        (bool ok, _) = Handshake(crl, _goodClient);

        Assert.True(ok);
    }

    [Fact]
    public void A_PEM_CRL_works_like_the_DER_one()
    {
        byte[] pem = Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, [_revokedLeaf])));

        (bool revokedOk, TlsConnectionOutcome revoked) = Handshake(pem, _revokedClient);
        (bool goodOk, _) = Handshake(pem, _goodClient);

        Assert.False(revokedOk);
        Assert.Equal(TlsFailureReason.CertificateRevoked, revoked.Server);
        Assert.True(goodOk);
    }

    [Fact]
    public void A_client_whose_issuer_has_no_CRL_is_refused_because_revocation_fails_closed()
    {
        byte[] crl = RevocationPki.Crl(_pki.OtherRoot, []);

        (bool ok, TlsConnectionOutcome outcome) = Handshake(crl, _goodClient);

        Assert.False(ok);
        Assert.Equal(TlsFailureReason.RevocationUnknown, outcome.Server);
    }

    [Fact]
    public void A_CRL_past_its_next_update_refuses_even_clients_it_does_not_list()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] stale = RevocationPki.Crl(_pki.Root, [], thisUpdate: now.AddDays(-2), nextUpdate: now.AddDays(-1));

        (bool ok, TlsConnectionOutcome outcome) = Handshake(stale, _goodClient);

        Assert.False(ok);
        Assert.Equal(TlsFailureReason.RevocationUnknown, outcome.Server);
    }

    [Fact]
    public void Without_a_CRL_a_listed_client_is_still_admitted_because_revocation_is_opt_in()
    {
        (bool ok, _) = Handshake(crl: null, _revokedClient);

        Assert.True(ok);
    }

    [Fact]
    public void Bytes_that_are_not_a_CRL_make_the_server_context_fail_to_build()
    {
        var auth = new ClientAuthOptions(ClientCertificateMode.Required, _pki.RootPem, RevocationList: _pki.RootPem);

        var error = Assert.Throws<TlsConfigurationException>(() => Server(Entry(_server, clientAuth: auth)));

        Assert.Contains("CRL", error.Message);
    }

    [Theory]
    [InlineData("certificate")]
    [InlineData("garbage")]
    [InlineData("der-with-trailing-bytes")]
    public void Check_refuses_anything_but_CRLs(string kind)
    {
        byte[] data = kind switch
        {
            "certificate" => _pki.RootPem,
            "garbage" => "not a crl"u8.ToArray(),
            _ => [.. RevocationPki.Crl(_pki.Root, []), 0x00],
        };

        var error = Assert.Throws<TlsConfigurationException>(() => CertificateRevocationLists.Check(data, "under test"));

        Assert.StartsWith("not a CRL", error.Message);
    }

    [Fact]
    public void ReadFile_names_a_missing_file()
    {
        string missing = _pki.Directory.PathOf("absent.crl");

        var error = Assert.Throws<TlsConfigurationException>(() => CertificateRevocationLists.ReadFile(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void ReadFile_accepts_a_file_of_several_PEM_CRLs()
    {
        string text = PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, [])) + "\n" + PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.OtherRoot, []));
        string path = _pki.Directory.Write("two.crl", text);

        byte[] data = CertificateRevocationLists.ReadFile(path);

        Assert.Equal(Encoding.ASCII.GetBytes(text), data);
    }

    private (bool Ok, TlsConnectionOutcome Outcome) Handshake(byte[]? crl, CertificateKeyPair clientCertificate)
    {
        var auth = new ClientAuthOptions(ClientCertificateMode.Required, _pki.RootPem, RevocationList: crl);
        using TlsServerContext server = Server(Entry(_server, clientAuth: auth));
        using TlsClientContext client = Client(_pki.RootPem, clientCertificate);
        using InMemoryPipe pipe = Connect(client, server);
        bool ok = pipe.Handshake();
        return (ok, new TlsConnectionOutcome(pipe.Server.Failure?.Reason, pipe.Client.Failure?.Reason));
    }

    private sealed record TlsConnectionOutcome(TlsFailureReason? Server, TlsFailureReason? Client);
}
