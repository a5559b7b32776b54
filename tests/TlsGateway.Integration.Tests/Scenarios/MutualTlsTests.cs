using TlsGateway.Integration.Tests.Infrastructure;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Scenarios;

/// <summary>Client certificates: required and optional, trust bundle, SPIFFE authorization, bundle replaced at run time.</summary>
public sealed class MutualTlsTests
{
    private const string Frontend = "spiffe://test.local/ns/default/sa/frontend";

    private static ClientAuthOptions Required(string bundle = "ca.pem", string[]? allow = null) =>
        new(ClientCertificateMode.Required, TestPki.Instance.Read(bundle), new SpiffeAuthorizer(allow ?? [Frontend]));

    private static string[] ClientCert(string name) =>
        ["-cert", TestPki.Instance.PathOf(name + ".pem"), "-key", TestPki.Instance.PathOf(name + ".key")];

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task A_client_with_an_allowed_SPIFFE_identity_is_let_in_and_identified(string version)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", clientAuth: Required());
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [version, .. ClientCert("client")]);

        Assert.True(result.Echoed("ping"), result.Output);
        Assert.True(server.Sessions.TryPeek(out ServedSession? session));
        Assert.Equal(Frontend, session.Peer?.SpiffeId);
        Assert.Equal("test.local", session.Peer?.TrustDomain);
    }

    [Theory]
    [InlineData(null, TlsFailureReason.CertificateRequired)]
    [InlineData("rogue-client", TlsFailureReason.UnknownCa)]
    [InlineData("client-other", TlsFailureReason.AuthorizationDenied)]
    public async Task A_client_without_an_acceptable_certificate_is_refused_during_the_handshake(string? certificate, TlsFailureReason expected)
    {
        using TlsServerContext context = ServerFactory.Single("ecdsa", clientAuth: Required());
        await using var server = new EchoServer(context);

        SClientResult result = await OpenSslClient.ConnectAsync(server.Address, "example.test",
            extra: certificate is null ? [] : ClientCert(certificate));

        Assert.False(result.Echoed("ping"), result.Output);
        Assert.Empty(server.Sessions);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(expected));
    }

    [Fact]
    public async Task With_optional_client_certificates_an_anonymous_client_is_served_without_an_identity()
    {
        var optional = new ClientAuthOptions(ClientCertificateMode.Optional, TestPki.Instance.Read("ca.pem"));
        using TlsServerContext context = ServerFactory.Single("ecdsa", clientAuth: optional);
        await using var server = new EchoServer(context);

        SClientResult anonymous = await OpenSslClient.ConnectAsync(server.Address, "example.test");
        SClientResult rogue = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ClientCert("rogue-client"));

        Assert.True(anonymous.Echoed("ping"), anonymous.Output);
        Assert.True(server.Sessions.TryPeek(out ServedSession? session));
        Assert.Null(session.Peer);
        Assert.False(rogue.Echoed("ping"), "a certificate that is presented must verify, even when optional");
    }

    [Fact]
    public async Task A_replaced_trust_bundle_applies_to_new_connections_and_leaves_established_ones_alone()
    {
        using TlsServerContext trustsTestRoot = ServerFactory.Single("ecdsa", clientAuth: Required());
        using TlsServerContext trustsRogueRoot = ServerFactory.Single("ecdsa", clientAuth: Required("rogue-ca.pem"));
        await using var server = new EchoServer(trustsTestRoot) { HoldReplies = new TaskCompletionSource() };

        // Established under the old bundle, and kept waiting for its reply across the swap.
        Task<SClientResult> established = OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ClientCert("client"));
        await Eventually.EqualAsync(1L, () => server.Stats.Completed);
        server.Listener.Context = trustsRogueRoot;
        server.HoldReplies.SetResult();
        server.HoldReplies = null;

        SClientResult oldClient = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ClientCert("client"));
        SClientResult newClient = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: ClientCert("rogue-client"));

        Assert.True((await established).Echoed("ping"), "the connection made before the swap must finish normally");
        Assert.False(oldClient.Echoed("ping"), oldClient.Output);
        Assert.True(newClient.Echoed("ping"), newClient.Output);
    }

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task A_resumed_session_keeps_its_identity_and_is_authorized_again_under_the_current_policy(string version)
    {
        using TicketKeyRing ring = TicketKeyRing.CreateRandom();
        using TlsServerContext allowsFrontend = ServerFactory.Single("ecdsa", clientAuth: Required(), tickets: ring);
        using TlsServerContext allowsNobody = ServerFactory.Single("ecdsa", clientAuth: Required(allow: ["spiffe://test.local/ns/default/sa/nobody"]), tickets: ring);
        await using var server = new EchoServer(allowsFrontend);
        string sessionFile = Path.Combine(TestPki.Instance.Directory, "mtls-session-" + Guid.NewGuid().ToString("N") + ".pem");

        SClientResult first = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [version, "-sess_out", sessionFile, .. ClientCert("client")]);
        SClientResult resumed = await OpenSslClient.ConnectAsync(server.Address, "example.test", extra: [version, "-sess_in", sessionFile, .. ClientCert("client")]);
        server.Listener.Context = allowsNobody;
        SClientResult afterPolicyChange = await OpenSslClient.ConnectAsync(server.Address, "example.test", line: "late",
            extra: [version, "-sess_in", sessionFile, .. ClientCert("client")]);

        Assert.True(first.Echoed("ping"), first.Output);
        Assert.True(resumed.Reused, resumed.Output);
        Assert.True(resumed.Echoed("ping"), resumed.Output);
        Assert.All(server.Sessions, s => Assert.Equal(Frontend, s.Peer?.SpiffeId));
        Assert.Equal(2, server.Sessions.Count);
        Assert.False(afterPolicyChange.Echoed("late"), afterPolicyChange.Output);
        await Eventually.EqualAsync(1, () => server.Stats.Failed(TlsFailureReason.AuthorizationDenied));
    }
}
