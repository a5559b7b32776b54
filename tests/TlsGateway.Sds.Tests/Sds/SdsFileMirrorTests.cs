using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Tls;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// The checks a secret passes before the edge's files are replaced. (The whole path — agent,
/// stream, files, edge reload — runs in the integration tests' EdgeFromSdsTests.)
/// </summary>
public sealed class SdsFileMirrorTests
{
    private static (string Chain, string Key) SelfSigned(DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(notAfter.AddDays(-1), notAfter);
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static EnvoySecret Certificate(string chain, string key) => new()
    {
        Name = "edge-web",
        TlsCertificate = new TlsCertificate
        {
            CertificateChain = new DataSource { InlineBytes = ByteString.CopyFromUtf8(chain) },
            PrivateKey = new DataSource { InlineBytes = ByteString.CopyFromUtf8(key) },
        },
    };

    [Fact]
    public void A_good_certificate_is_written_with_its_key_private()
    {
        using var directory = new TempDirectory();
        (string chain, string key) = SelfSigned(DateTimeOffset.UtcNow.AddHours(1));

        Assert.Null(SdsFileMirror.WriteCertificate(Certificate(chain, key), directory.PathOf("cert.pem"), directory.PathOf("key.pem")));

        Assert.Equal(chain, File.ReadAllText(directory.PathOf("cert.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(directory.PathOf("key.pem")));
    }

    [Fact]
    public void A_key_that_does_not_match_is_refused_and_the_files_keep_the_previous_version()
    {
        using var directory = new TempDirectory();
        (string chain, string key) = SelfSigned(DateTimeOffset.UtcNow.AddHours(1));
        SdsFileMirror.WriteCertificate(Certificate(chain, key), directory.PathOf("cert.pem"), directory.PathOf("key.pem"));
        (string otherChain, _) = SelfSigned(DateTimeOffset.UtcNow.AddHours(1));

        string? refused = SdsFileMirror.WriteCertificate(Certificate(otherChain, key), directory.PathOf("cert.pem"), directory.PathOf("key.pem"));

        Assert.Equal("the private key does not match the certificate", refused);
        Assert.Equal(chain, File.ReadAllText(directory.PathOf("cert.pem")));
        Assert.Equal(key, File.ReadAllText(directory.PathOf("key.pem")));
    }

    [Fact]
    public void An_expired_certificate_is_refused()
    {
        using var directory = new TempDirectory();
        (string chain, string key) = SelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1));

        string? refused = SdsFileMirror.WriteCertificate(Certificate(chain, key), directory.PathOf("cert.pem"), directory.PathOf("key.pem"));

        Assert.Contains("expired", refused);
        Assert.False(File.Exists(directory.PathOf("cert.pem")));
    }

    [Fact]
    public void Ticket_keys_of_the_wrong_length_are_refused()
    {
        using var directory = new TempDirectory();
        var keys = new TlsSessionTicketKeys();
        keys.Keys.Add(new DataSource { InlineBytes = ByteString.CopyFrom(new byte[48]) }); // nginx's older 48-byte format
        var secret = new EnvoySecret { Name = SecretNames.SessionTicketKeys, SessionTicketKeys = keys };

        string? refused = SdsFileMirror.WriteTicketKeys(secret, directory.PathOf("keys"));

        Assert.Contains("80 bytes", refused);
        Assert.False(File.Exists(directory.PathOf("keys")));
    }

    [Fact]
    public void A_secret_of_another_kind_is_refused_by_kind()
    {
        using var directory = new TempDirectory();
        var secret = new EnvoySecret { Name = "edge-web", ValidationContext = new CertificateValidationContext() };

        Assert.Contains("not a TLS certificate", SdsFileMirror.WriteCertificate(secret, directory.PathOf("c"), directory.PathOf("k")));
        Assert.Contains("not session-ticket keys", SdsFileMirror.WriteTicketKeys(secret, directory.PathOf("t")));
    }
}
