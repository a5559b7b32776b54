using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// The managed server against <c>openssl s_client</c> on TLS_AES_128_GCM_SHA256 with secp256r1 and
/// an ECDSA P-256 certificate made here: the same state machine the ShangMi suites run, checked by
/// an implementation nobody here wrote.
/// </summary>
public sealed class OpenSslClientTests : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TempDirectory _directory = new("tlsgw-managed-openssl-");
    private readonly byte[] _certificate;

    public OpenSslClientTests()
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", _key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = self.RawData;
        File.WriteAllText(_directory.PathOf("root.pem"), PemEncoding.WriteString("CERTIFICATE", _certificate));
    }

    private ManagedServerOptions Options => new()
    {
        EcdsaCredential = new EcdsaServerCredential([_certificate], _key),
        ApplicationProtocols = ["h2", "http/1.1"],
    };

    [Fact]
    public async Task Openssl_s_client_completes_a_handshake_on_tls_aes_128_gcm_sha256_and_gets_its_data_echoed()
    {
        await using var server = new LoopbackTlsServer(Options);
        (string output, _) = await RunClientAsync(server.Port, "P-256", "hello from openssl");
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", output);
        Assert.Contains("Verify return code: 0 (ok)", output);
        Assert.Contains("hello from openssl", output[output.IndexOf("---\nNew,", StringComparison.Ordinal)..]);
        Assert.Null(connection.Failure);
        Assert.True(connection.IsHandshakeComplete);
        Assert.Equal(NamedGroup.Secp256r1, connection.Group);
        Assert.False(connection.HelloRetried);
        Assert.Equal("http/1.1", connection.ApplicationProtocol);
    }

    [Fact]
    public async Task Openssl_s_client_whose_first_key_share_is_x25519_is_sent_a_hello_retry_request_for_secp256r1()
    {
        await using var server = new LoopbackTlsServer(Options);
        (string output, _) = await RunClientAsync(server.Port, "X25519:P-256", "after a retry");
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.Contains("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", output);
        Assert.Contains("Verify return code: 0 (ok)", output);
        Assert.Contains("after a retry", output[output.IndexOf("---\nNew,", StringComparison.Ordinal)..]);
        Assert.Null(connection.Failure);
        Assert.True(connection.HelloRetried);
        Assert.Equal(NamedGroup.Secp256r1, connection.Group);
    }

    [Fact]
    public async Task Openssl_s_client_offering_only_x25519_is_refused_with_handshake_failure()
    {
        await using var server = new LoopbackTlsServer(Options);
        (string output, _) = await RunClientAsync(server.Port, "X25519", "never");
        ManagedTlsConnection connection = Assert.Single(await server.WaitAsync(s_limit));

        Assert.Equal(AlertDescription.HandshakeFailure, connection.Failure?.Alert);
        Assert.Contains("alert handshake failure", output);
    }

    public void Dispose()
    {
        _key.Dispose();
        _directory.Dispose();
    }

    private async Task<(string Output, int ExitCode)> RunClientAsync(int port, string groups, string message)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-tls1_3",
            "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", groups, "-alpn", "http/1.1",
            "-CAfile", _directory.PathOf("root.pem"), "-ign_eof",
        })
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteLineAsync(message);
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

        return (await output + await error, process.HasExited ? process.ExitCode : -1);
    }
}
