using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed client against the managed server in memory, both sans-I/O, with certificates from
/// make-sm2-pki.sh: every suite, a HelloRetryRequest, client certificates, the server's identity
/// (name and anchor), KeyUpdate both ways and close_notify.
/// </summary>
public sealed class ClientHandshakeTests(ClientTestPki pki) : IClassFixture<ClientTestPki>
{
    public static TheoryData<ushort> Suites => new() { CipherSuiteId.TlsSm4GcmSm3, CipherSuiteId.TlsSm4CcmSm3, CipherSuiteId.TlsAes128GcmSha256 };

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_client_completes_a_handshake_with_the_managed_server_and_data_flows_both_ways(ushort suiteId)
    {
        Tls13CipherSuite suite = Tls13CipherSuite.Find(suiteId)!;
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with
        {
            CipherSuites = [suite],
            Groups = suite.IsShangMi ? [NamedGroup.CurveSm2] : [NamedGroup.Secp256r1],
            ApplicationProtocols = ["h2", "http/1.1"],
        });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions with { ApplicationProtocols = ["http/1.1"] });

        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.True(server.IsHandshakeComplete, server.Failure?.Message);
        Assert.True(client.IsClient);
        Assert.Equal(suite, client.CipherSuite);
        Assert.Equal("http/1.1", client.ApplicationProtocol);
        Assert.False(client.HelloRetried);
        Assert.False(client.Resumed);
        Assert.Equal("localhost", server.ServerName);
        Assert.Contains("CN=localhost", client.PeerCertificate?.Subject);
        Assert.Equal(suite.IsShangMi ? SignatureScheme.Sm2SigSm3 : SignatureScheme.EcdsaSecp256r1Sha256, client.PeerSignatureScheme);

        client.Write("ping"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("ping"u8.ToArray(), server.TakeReceivedPlaintext());
        server.Write("pong"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("pong"u8.ToArray(), client.TakeReceivedPlaintext());
    }

    [Fact]
    public void A_client_whose_first_share_is_secp256r1_is_retried_to_curve_sm2_by_a_shangmi_only_server()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { Groups = [NamedGroup.Secp256r1, NamedGroup.CurveSm2] });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions with { EcdsaCredential = null });

        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message + " / " + server.Failure?.Message);
        Assert.True(client.HelloRetried);
        Assert.True(server.HelloRetried);
        Assert.Equal(NamedGroup.CurveSm2, client.Group);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_server_that_requires_a_certificate_accepts_the_clients_chain_to_its_anchor(bool shangMi)
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with
        {
            CipherSuites = [shangMi ? Tls13CipherSuite.Sm4GcmSm3 : Tls13CipherSuite.Aes128GcmSha256],
            ClientCredential = shangMi ? pki.Sm2ClientCredential : pki.EcdsaClientCredential,
        });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions with
        {
            ClientCertificates = ClientCertificateMode.Required,
            ClientTrustAnchors = pki.Roots,
        });

        InMemoryPump.Run(client, server);

        Assert.True(server.IsHandshakeComplete, server.Failure?.Message + " / " + client.Failure?.Message);
        Assert.Contains("CN=bc-peer-client", server.PeerCertificate?.Subject);
        Assert.Equal(shangMi ? SignatureScheme.Sm2SigSm3 : SignatureScheme.EcdsaSecp256r1Sha256, server.PeerSignatureScheme);
    }

    [Fact]
    public void A_client_without_a_credential_answers_a_certificate_request_with_an_empty_certificate()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions with { ClientCertificates = ClientCertificateMode.Required });

        InMemoryPump.Run(client, server);

        Assert.Equal(AlertDescription.CertificateRequired, server.Failure?.Alert);
        Assert.Equal(AlertDescription.CertificateRequired, client.ReceivedAlert);
    }

    [Fact]
    public void A_server_certificate_for_another_name_is_refused_with_certificate_unknown()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { ServerName = "elsewhere.test" });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);

        InMemoryPump.Run(client, server);

        Assert.Equal(AlertDescription.CertificateUnknown, client.Failure?.Alert);
        Assert.Equal(AlertDescription.CertificateUnknown, server.ReceivedAlert);
        Assert.False(client.IsHandshakeComplete);
    }

    [Fact]
    public void A_server_certificate_naming_the_ip_address_the_client_dialled_is_accepted()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { ServerName = "127.0.0.1" });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);

        InMemoryPump.Run(client, server);

        Assert.True(client.IsHandshakeComplete, client.Failure?.Message);
        Assert.Null(server.ServerName); // RFC 6066 §3: no IP literals in server_name
    }

    [Fact]
    public void A_server_chain_that_leads_to_another_root_is_refused_with_unknown_ca()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions with { TrustAnchors = pki.ReadOther("sm2-root.pem") });
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);

        InMemoryPump.Run(client, server);

        Assert.Equal(AlertDescription.UnknownCa, client.Failure?.Alert);
        Assert.Equal(AlertDescription.UnknownCa, server.ReceivedAlert);
    }

    [Fact]
    public void Key_updates_from_either_side_keep_data_flowing_and_close_notify_ends_the_connection()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);
        InMemoryPump.Run(client, server);

        client.UpdateKeys(requestPeerUpdate: true);
        client.Write("after the client's update"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("after the client's update"u8.ToArray(), server.TakeReceivedPlaintext());

        server.UpdateKeys(requestPeerUpdate: true);
        server.Write("after the server's update"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("after the server's update"u8.ToArray(), client.TakeReceivedPlaintext());
        client.Write("still here"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("still here"u8.ToArray(), server.TakeReceivedPlaintext());

        client.Close();
        InMemoryPump.Run(client, server);
        Assert.True(server.PeerClosed);
        Assert.True(client.IsWriteClosed);
        Assert.Null(client.Failure);
        Assert.Null(server.Failure);
    }

    [Fact]
    public void After_the_server_closes_its_side_the_client_can_still_send_until_it_closes_too()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);
        InMemoryPump.Run(client, server);

        server.Close();
        InMemoryPump.Run(client, server);
        client.Write("the rest of the request"u8);
        InMemoryPump.Run(client, server);

        Assert.True(client.PeerClosed);
        Assert.True(server.IsWriteClosed);
        Assert.False(server.IsEnded);
        Assert.Equal("the rest of the request"u8.ToArray(), server.TakeReceivedPlaintext());
        Assert.Throws<InvalidOperationException>(() => server.Write("too late"u8));

        client.Close();
        InMemoryPump.Run(client, server);
        Assert.True(server.PeerClosed);
        Assert.True(server.IsEnded);
        Assert.Null(client.Failure);
        Assert.Null(server.Failure);
    }

    [Fact]
    public void Received_data_read_in_small_pieces_comes_out_whole_and_in_order_across_records()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);
        InMemoryPump.Run(client, server);

        client.Write("0123456789"u8);
        InMemoryPump.Run(client, server);
        byte[] piece = new byte[4];
        var read = new List<byte>();
        read.AddRange(piece[..server.ReadReceivedPlaintext(piece)]);
        Assert.Equal(6, server.ReceivedPlaintextLength);
        client.Write("abc"u8); // a second record arrives while the first is half read
        InMemoryPump.Run(client, server);
        int n;
        while ((n = server.ReadReceivedPlaintext(piece)) > 0)
        {
            read.AddRange(piece[..n]);
        }

        Assert.Equal("0123456789abc"u8.ToArray(), read.ToArray());
        Assert.Equal(0, server.ReceivedPlaintextLength);
        client.Write("z"u8);
        InMemoryPump.Run(client, server);
        Assert.Equal("z"u8.ToArray(), server.TakeReceivedPlaintext());
    }

    [Fact]
    public void A_key_update_request_after_our_close_notify_gets_no_answer()
    {
        using var client = ManagedTlsConnection.CreateClient(pki.ClientOptions);
        using var server = ManagedTlsConnection.CreateServer(pki.ServerOptions);
        InMemoryPump.Run(client, server);

        server.Close();
        InMemoryPump.Run(client, server);
        client.UpdateKeys(requestPeerUpdate: true);
        client.Write("after the update"u8);
        server.Feed(client.TakePendingOutput());

        Assert.Equal("after the update"u8.ToArray(), server.TakeReceivedPlaintext());
        Assert.Equal(0, server.PendingOutputLength); // nothing after close_notify (RFC 8446 §6.1)
        Assert.Null(server.Failure);
    }

    [Fact]
    public void Options_without_trust_anchors_are_refused_before_anything_is_sent()
    {
        Assert.Throws<ArgumentException>(() => ManagedTlsConnection.CreateClient(new ManagedClientOptions { ServerName = "localhost" }));
    }
}
