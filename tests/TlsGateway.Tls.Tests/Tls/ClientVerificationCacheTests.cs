using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;
using TlsGateway.Tls.Tests.Infrastructure;
using static TlsGateway.Tls.Tests.Infrastructure.TlsTestContexts;

namespace TlsGateway.Tls.Tests;

/// <summary>
/// A server entry remembers the client chains it has verified (native/pal_verify_cache.c): these
/// tests hold it to answering exactly what a full verification would. Real OpenSSL on both sides;
/// every handshake uses a fresh client context, so none of them resumes a session.
/// </summary>
public sealed class ClientVerificationCacheTests : IDisposable
{
    private const string ClientSpiffeId = "spiffe://example.org/ns/default/sa/client";

    private readonly RevocationPki _pki = new();
    private readonly CertificateKeyPair _server;
    private readonly CertificateKeyPair _client;

    public ClientVerificationCacheTests()
    {
        _server = _pki.Load("server", TestCertificates.CreateServerLeaf(_pki.Root, "localhost"));
        _client = _pki.Load("client", TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId));
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void A_client_chain_verified_once_is_accepted_from_the_cache_and_still_identified()
    {
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required()));

        HandshakeResult first = Handshake(server, _client);
        HandshakeResult second = Handshake(server, _client);

        Assert.True(first.Ok);
        Assert.True(second.Ok);
        Assert.Equal(1, server.Entries[0].CachedClientVerifications);
        Assert.Equal(ClientSpiffeId, second.ServerPeer?.SpiffeId);
        Assert.False(first.ChainFromCache);
        Assert.True(second.ChainFromCache);
    }

    [Fact]
    public void A_cached_chain_still_goes_through_the_authorizer_and_its_refusal_holds()
    {
        var authorizer = new AllowOnce();
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required(authorizer)));

        HandshakeResult first = Handshake(server, _client);
        HandshakeResult second = Handshake(server, _client);

        Assert.True(first.Ok);
        Assert.False(second.Ok);
        Assert.Equal(TlsFailureReason.AuthorizationDenied, second.ServerFailure);
        Assert.Equal(2, authorizer.Calls);
        Assert.Equal(1, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void A_cached_client_certificate_that_has_expired_since_is_refused_as_expired()
    {
        DateTimeOffset notAfter = DateTimeOffset.UtcNow.AddSeconds(2);
        CertificateKeyPair shortLived = _pki.Load("short", TestCertificates.CreateLeaf(_pki.Root, "CN=short-lived client", ClientNames(),
            new Oid("1.3.6.1.5.5.7.3.2"), notAfter: notAfter));
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required()));

        HandshakeResult whileValid = Handshake(server, shortLived);
        WaitUntilPast(notAfter);
        HandshakeResult afterExpiry = Handshake(server, shortLived);

        Assert.True(whileValid.Ok);
        Assert.False(afterExpiry.Ok);
        Assert.Equal(TlsFailureReason.CertificateExpired, afterExpiry.ServerFailure);
        Assert.Equal(0, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void A_cached_chain_is_refused_once_the_CRL_it_was_checked_against_is_past_its_next_update()
    {
        DateTimeOffset nextUpdate = DateTimeOffset.UtcNow.AddSeconds(2);
        byte[] crl = RevocationPki.Crl(_pki.Root, [], nextUpdate: nextUpdate);
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required(revocationList: crl)));

        HandshakeResult whileCurrent = Handshake(server, _client);
        HandshakeResult cached = Handshake(server, _client);
        WaitUntilPast(nextUpdate);
        HandshakeResult afterNextUpdate = Handshake(server, _client);

        Assert.True(whileCurrent.Ok);
        Assert.True(cached.Ok);
        Assert.False(afterNextUpdate.Ok);
        Assert.Equal(TlsFailureReason.RevocationUnknown, afterNextUpdate.ServerFailure);
        Assert.Equal(1, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void A_CRL_dated_ahead_that_revokes_a_cached_client_is_obeyed_once_it_starts()
    {
        // An issuer publishing ahead of time (or a clock running ahead of the edge's): the file
        // holds today's CRL and one from a few seconds on that lists the client. Once the newer
        // one starts, a full verification prefers it; the cache must not outlive that moment.
        X509Certificate2 leaf = TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId);
        CertificateKeyPair client = _pki.Load("soon-revoked", leaf);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset revokedFrom = now.AddSeconds(2);
        string both = PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, []))
            + "\n" + PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, [leaf], thisUpdate: revokedFrom, crlNumber: 2));
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required(revocationList: Encoding.ASCII.GetBytes(both))));

        HandshakeResult beforeIt = Handshake(server, client);
        WaitUntilPast(revokedFrom);
        HandshakeResult afterIt = Handshake(server, client);

        Assert.True(beforeIt.Ok);
        Assert.False(afterIt.Ok);
        Assert.Equal(TlsFailureReason.CertificateRevoked, afterIt.ServerFailure);
        Assert.Equal(0, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void A_chain_through_an_intermediate_the_client_sends_is_cached_until_the_intermediate_expires()
    {
        // .NET will not sign a leaf that outlives its issuer, so the leaf (a day) is signed with a
        // two-day certificate of the intermediate's key and the client presents a five-second one:
        // the intermediate, not the leaf, is what expires. Five seconds leave room for the set-up
        // and two handshakes on a loaded machine.
        DateTimeOffset intermediateEnds = DateTimeOffset.UtcNow.AddSeconds(5);
        using ECDsa intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 signing = TestCertificates.CreateIntermediate(_pki.Root, "Intermediate", DateTimeOffset.UtcNow.AddDays(2), intermediateKey);
        using X509Certificate2 presented = TestCertificates.CreateIntermediate(_pki.Root, "Intermediate", intermediateEnds, intermediateKey);
        CertificateKeyPair client = _pki.Load("via-intermediate", TestCertificates.CreateClientLeaf(signing, ClientSpiffeId), presented);
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required()));

        HandshakeResult first = Handshake(server, client);
        HandshakeResult cached = Handshake(server, client);
        WaitUntilPast(intermediateEnds);
        HandshakeResult afterExpiry = Handshake(server, client);

        Assert.True(first.Ok);
        Assert.True(cached.Ok);
        Assert.Equal(ClientSpiffeId, cached.ServerPeer?.SpiffeId);
        Assert.False(afterExpiry.Ok);
        Assert.Equal(TlsFailureReason.CertificateExpired, afterExpiry.ServerFailure);
        Assert.Equal(1, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void A_stale_CRL_of_another_issuer_in_the_file_does_not_stop_caching_and_the_right_CRL_still_revokes()
    {
        // One CRL file for several CAs, one of whose CRLs has lapsed: verification never consults
        // it for this client, so it must not shorten (here: end) the window of this client's chain.
        X509Certificate2 revokedLeaf = TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId);
        CertificateKeyPair revoked = _pki.Load("revoked", revokedLeaf);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string crls = PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.Root, [revokedLeaf]))
            + "\n" + PemEncoding.WriteString("X509 CRL", RevocationPki.Crl(_pki.OtherRoot, [], thisUpdate: now.AddDays(-2), nextUpdate: now.AddDays(-1)));
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required(revocationList: Encoding.ASCII.GetBytes(crls))));

        HandshakeResult first = Handshake(server, _client);
        HandshakeResult second = Handshake(server, _client);
        HandshakeResult refused = Handshake(server, revoked);

        Assert.True(first.Ok);
        Assert.True(second.Ok);
        Assert.Equal(1, server.Entries[0].CachedClientVerifications);
        Assert.False(refused.Ok);
        Assert.Equal(TlsFailureReason.CertificateRevoked, refused.ServerFailure);
    }

    [Fact]
    public void A_server_name_entry_other_than_the_default_answers_from_its_own_cache()
    {
        CertificateKeyPair namedServer = _pki.Load("named-server", TestCertificates.CreateServerLeaf(_pki.Root, "a.test"));
        using TlsServerContext server = Server(Entry(_server, "localhost", clientAuth: Required()), Entry(namedServer, "a.test", clientAuth: Required()));

        HandshakeResult first = Handshake(server, _client, "a.test");
        HandshakeResult second = Handshake(server, _client, "a.test");

        Assert.True(first.Ok);
        Assert.True(second.Ok);
        Assert.Equal(ClientSpiffeId, second.ServerPeer?.SpiffeId);
        Assert.Equal(0, server.Entries[0].CachedClientVerifications);
        Assert.Equal(1, server.Entries[1].CachedClientVerifications);
    }

    [Fact]
    public void Another_certificate_with_the_same_name_and_issuer_is_verified_on_its_own()
    {
        CertificateKeyPair sibling = _pki.Load("sibling", TestCertificates.CreateClientLeaf(_pki.Root, ClientSpiffeId));
        CertificateKeyPair stranger = _pki.Load("stranger", TestCertificates.CreateClientLeaf(_pki.OtherRoot, ClientSpiffeId));
        using TlsServerContext server = Server(Entry(_server, clientAuth: Required()));

        HandshakeResult first = Handshake(server, _client);
        HandshakeResult second = Handshake(server, sibling);
        HandshakeResult untrusted = Handshake(server, stranger);

        Assert.True(first.Ok);
        Assert.True(second.Ok);
        Assert.False(untrusted.Ok);
        Assert.Equal(TlsFailureReason.UnknownCa, untrusted.ServerFailure);
        Assert.Equal(0, server.Entries[0].CachedClientVerifications);
    }

    [Fact]
    public void Each_server_name_entry_verifies_against_its_own_trust_bundle()
    {
        CertificateKeyPair otherServer = _pki.Load("other-server", TestCertificates.CreateServerLeaf(_pki.Root, "other.test"));
        byte[] otherBundle = Encoding.ASCII.GetBytes(_pki.OtherRoot.ExportCertificatePem());
        using TlsServerContext server = Server(
            Entry(_server, "localhost", clientAuth: Required()),
            Entry(otherServer, "other.test", clientAuth: new ClientAuthOptions(ClientCertificateMode.Required, otherBundle)));

        HandshakeResult trusted = Handshake(server, _client, "localhost");
        HandshakeResult elsewhere = Handshake(server, _client, "other.test");

        Assert.True(trusted.Ok);
        Assert.False(elsewhere.Ok);
        Assert.Equal(TlsFailureReason.UnknownCa, elsewhere.ServerFailure);
    }

    [Fact]
    public void A_client_context_checks_the_servers_name_on_every_connection()
    {
        using TlsServerContext server = Server(Entry(_server));
        using TlsClientContext client = Client(_pki.RootPem);

        using InMemoryPipe right = Connect(client, server, "localhost");
        using InMemoryPipe wrong = Connect(client, server, "wrong.test");

        Assert.True(right.Handshake());
        Assert.False(wrong.Handshake());
        Assert.Equal(TlsFailureReason.BadCertificate, wrong.Client.Failure?.Reason);
    }

    private ClientAuthOptions Required(IPeerAuthorizer? authorizer = null, byte[]? revocationList = null) =>
        new(ClientCertificateMode.Required, _pki.RootPem, authorizer, RevocationList: revocationList);

    private static SubjectAlternativeNameBuilder ClientNames()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(ClientSpiffeId));
        return names;
    }

    // Certificate and CRL times have whole seconds: wait a second past the instant itself.
    private static void WaitUntilPast(DateTimeOffset instant)
    {
        while (DateTimeOffset.UtcNow < instant.AddSeconds(1.1))
        {
            Thread.Sleep(100);
        }
    }

    private HandshakeResult Handshake(TlsServerContext server, CertificateKeyPair clientCertificate, string serverName = "localhost")
    {
        using TlsClientContext client = Client(_pki.RootPem, clientCertificate);
        using InMemoryPipe pipe = Connect(client, server, serverName);
        bool ok = pipe.Handshake();
        return new HandshakeResult(ok, pipe.Server.Failure?.Reason, pipe.Server.Peer, pipe.Server.Facts?.PeerChainFromCache ?? false);
    }

    private sealed record HandshakeResult(bool Ok, TlsFailureReason? ServerFailure, PeerIdentity? ServerPeer, bool ChainFromCache);

    private sealed class AllowOnce : IPeerAuthorizer
    {
        public int Calls { get; private set; }

        public AuthorizationDecision Authorize(PeerIdentity peer) =>
            ++Calls == 1 ? AuthorizationDecision.Allow : AuthorizationDecision.Deny("second use refused by the test");
    }
}
