using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Tls.ShangMi;
using X509CertificateRequest = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// Which names a server certificate covers for the managed client (RFC 6125 §6.4): a self-signed
/// ECDSA certificate, trusted as it is, with a wildcard dNSName, an exact one and an iPAddress, served
/// by the managed server; the client either completes the handshake or ends it with certificate_unknown.
/// </summary>
public sealed class ServerNameMatchingTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _certificate;

    public ServerNameMatchingTests()
    {
        var request = new X509CertificateRequest("CN=not-a-host-name", _key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("*.example.test");
        names.AddDnsName("Exact.Example.Test");
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = self.RawData;
    }

    [Theory]
    [InlineData("a.example.test", true)]
    [InlineData("A.EXAMPLE.TEST.", true)]
    [InlineData("exact.example.test", true)]
    [InlineData("::1", true)]
    [InlineData("example.test", false)]
    [InlineData("a.b.example.test", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("not-a-host-name", false)]
    public void The_client_accepts_a_server_certificate_only_for_the_names_its_san_covers(string serverName, bool accepted)
    {
        using var client = ManagedTlsConnection.CreateClient(new ManagedClientOptions
        {
            ServerName = serverName,
            TrustAnchors = [_certificate],
            CipherSuites = [Tls13CipherSuite.Aes128GcmSha256],
            Groups = [NamedGroup.Secp256r1],
        });
        using var server = ManagedTlsConnection.CreateServer(new ManagedServerOptions { EcdsaCredential = new EcdsaServerCredential([_certificate], _key) });

        InMemoryPump.Run(client, server);

        Assert.Equal(accepted, client.IsHandshakeComplete);
        Assert.Equal(accepted ? null : AlertDescription.CertificateUnknown, client.Failure?.Alert);
    }

    public void Dispose() => _key.Dispose();
}
