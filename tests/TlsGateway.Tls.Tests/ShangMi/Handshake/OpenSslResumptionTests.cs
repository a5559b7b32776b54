using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// Tickets from the managed server resumed by <c>openssl s_client</c> (<c>-sess_out</c>, then
/// <c>-sess_in</c>) on TLS_AES_128_GCM_SHA256: both sides must agree the second handshake resumed —
/// s_client prints "Reused, TLSv1.3" and the server's connection says <c>Resumed</c> — also after a
/// HelloRetryRequest and with a client certificate, whose identity the resumed connection keeps.
/// </summary>
public sealed class OpenSslResumptionTests : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly SessionTicketProtector _protector = new([SessionTicketProtector.GenerateKey()]);
    private readonly TempDirectory _directory = new("tlsgw-managed-resume-");
    private readonly byte[] _certificate;
    private readonly byte[] _clientCertificate;

    public OpenSslResumptionTests()
    {
        _certificate = SelfSigned(_key, "CN=localhost", server: true);
        _clientCertificate = SelfSigned(_clientKey, "CN=openssl-client", server: false);
        File.WriteAllText(_directory.PathOf("root.pem"), PemEncoding.WriteString("CERTIFICATE", _certificate));
        File.WriteAllText(_directory.PathOf("client.pem"), PemEncoding.WriteString("CERTIFICATE", _clientCertificate));
        File.WriteAllText(_directory.PathOf("client.key"), PemEncoding.WriteString("PRIVATE KEY", _clientKey.ExportPkcs8PrivateKey()));
    }

    private ManagedServerOptions Options => new()
    {
        EcdsaCredential = new EcdsaServerCredential([_certificate], _key),
        Tickets = new SessionTicketOptions(_protector),
    };

    [Fact]
    public async Task Resumption_by_openssl_s_client_with_the_ticket_from_its_first_connection_is_reused_on_both_sides()
    {
        await using var server = new LoopbackTlsServer(Options, connections: 2);
        string first = await RunClientAsync(server.Port, "P-256", "-sess_out");
        string second = await RunClientAsync(server.Port, "P-256", "-sess_in");
        List<ManagedTlsConnection> connections = await server.WaitAsync(s_limit);

        Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", first);
        Assert.Contains("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", second);
        Assert.Contains("resumed line", second[second.IndexOf("---\nReused,", StringComparison.Ordinal)..]);
        Assert.All(connections, connection => Assert.Null(connection.Failure));
        Assert.False(connections[0].Resumed);
        Assert.True(connections[1].Resumed);
    }

    [Fact]
    public async Task Resumption_by_openssl_s_client_after_a_hello_retry_request_is_reused_on_both_sides()
    {
        await using var server = new LoopbackTlsServer(Options, connections: 2);
        await RunClientAsync(server.Port, "P-256", "-sess_out");

        // X25519 first: no usable share, so the server asks for secp256r1 and the binder covers the retry.
        string second = await RunClientAsync(server.Port, "X25519:P-256", "-sess_in");
        List<ManagedTlsConnection> connections = await server.WaitAsync(s_limit);

        Assert.Contains("Reused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", second);
        Assert.Null(connections[1].Failure);
        Assert.True(connections[1].HelloRetried);
        Assert.True(connections[1].Resumed);
    }

    [Fact]
    public async Task Resumption_of_an_mtls_session_keeps_the_validated_client_certificate()
    {
        ManagedServerOptions options = Options with
        {
            ClientCertificates = ClientCertificateMode.Required,
            ClientTrustAnchors = [_clientCertificate],
        };
        await using var server = new LoopbackTlsServer(options, connections: 2);
        await RunClientAsync(server.Port, "P-256", "-sess_out", withCertificate: true);
        string second = await RunClientAsync(server.Port, "P-256", "-sess_in", withCertificate: true);
        List<ManagedTlsConnection> connections = await server.WaitAsync(s_limit);

        Assert.Contains("Reused, TLSv1.3", second);
        Assert.Null(connections[1].Failure);
        Assert.True(connections[1].Resumed);
        Assert.Equal(SignatureScheme.EcdsaSecp256r1Sha256, connections[0].PeerSignatureScheme);
        Assert.Null(connections[1].PeerSignatureScheme); // no CertificateVerify in a resumption
        Assert.Equal(_clientCertificate, Assert.Single(connections[1].PeerCertificates));
        Assert.Equal("CN=openssl-client", connections[1].PeerCertificate?.Subject);
    }

    [Fact]
    public async Task Resumption_of_a_session_without_a_client_certificate_is_refused_once_one_is_required()
    {
        await using var first = new LoopbackTlsServer(Options);
        await RunClientAsync(first.Port, "P-256", "-sess_out");
        await first.WaitAsync(s_limit);

        // Same ticket keys, but now a certificate is required: the ticket cannot stand in for one.
        await using var second = new LoopbackTlsServer(Options with { ClientCertificates = ClientCertificateMode.Required });
        string output = await RunClientAsync(second.Port, "P-256", "-sess_in", withCertificate: true);
        ManagedTlsConnection connection = Assert.Single(await second.WaitAsync(s_limit));

        Assert.Contains("New, TLSv1.3", output);
        Assert.False(connection.Resumed);
        Assert.Equal("CN=openssl-client", connection.PeerCertificate?.Subject);
    }

    [Fact]
    public async Task Resumption_of_an_mtls_session_falls_back_to_a_full_handshake_once_the_trust_anchors_change()
    {
        ManagedServerOptions options = Options with
        {
            ClientCertificates = ClientCertificateMode.Required,
            ClientTrustAnchors = [_clientCertificate],
        };
        await using var first = new LoopbackTlsServer(options);
        await RunClientAsync(first.Port, "P-256", "-sess_out", withCertificate: true);
        await first.WaitAsync(s_limit);

        // The client's certificate is still trusted, but it was validated against another set of
        // anchors than today's: the ticket does not stand in for a validation now.
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var second = new LoopbackTlsServer(options with { ClientTrustAnchors = [_clientCertificate, SelfSigned(otherKey, "CN=other", server: false)] });
        string output = await RunClientAsync(second.Port, "P-256", "-sess_in", withCertificate: true);
        ManagedTlsConnection connection = Assert.Single(await second.WaitAsync(s_limit));

        Assert.Contains("New, TLSv1.3", output);
        Assert.Null(connection.Failure);
        Assert.False(connection.Resumed);
        Assert.Equal(SignatureScheme.EcdsaSecp256r1Sha256, connection.PeerSignatureScheme);
    }

    public void Dispose()
    {
        _key.Dispose();
        _clientKey.Dispose();
        _protector.Dispose();
        _directory.Dispose();
    }

    private static byte[] SelfSigned(ECDsa key, string subject, bool server)
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        using X509Certificate2 self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return self.RawData;
    }

    private async Task<string> RunClientAsync(int port, string groups, string sessionOption, bool withCertificate = false)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        List<string> arguments =
        [
            "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-tls1_3",
            "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", groups, "-CAfile", _directory.PathOf("root.pem"),
            "-ign_eof", sessionOption, _directory.PathOf("session.pem"),
        ];
        if (withCertificate)
        {
            arguments.AddRange(["-cert", _directory.PathOf("client.pem"), "-key", _directory.PathOf("client.key")]);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteLineAsync(sessionOption == "-sess_in" ? "resumed line" : "first line");
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(s_limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        return await output + await error;
    }
}
