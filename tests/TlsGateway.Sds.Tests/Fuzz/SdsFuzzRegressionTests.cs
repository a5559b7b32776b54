using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Tls;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds.Tests.Fuzz;

/// <summary>Inputs the SDS fuzzers found (<see cref="SdsSecretFuzzTests"/>, <see cref="AgentTicketKeyFileFuzzTests"/>), kept so they stay fixed.</summary>
public sealed class SdsFuzzRegressionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _leaf;

    public SdsFuzzRegressionTests()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var rootRequest = new CertificateRequest("CN=regression root", _rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _root = rootRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        _leaf = new CertificateRequest("CN=regression leaf", _leafKey, HashAlgorithmName.SHA256).Create(_root, now.AddMinutes(-5), now.AddHours(12), [7, 7, 7]);
    }

    public void Dispose()
    {
        _leaf.Dispose();
        _root.Dispose();
        _leafKey.Dispose();
        _rootKey.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void A_chain_whose_second_certificate_is_damaged_is_nacked_not_acked_and_left_for_the_edge_to_refuse()
    {
        // .NET reads only the first certificate, so the mirror ACKed this version and wrote it;
        // the edge's OpenSSL loader then refused the file ("bad base64 decode") and the reload failed.
        string[] rootLines = _root.ExportCertificatePem().Split('\n');
        rootLines[2] = "!" + rootLines[2][1..];
        string chain = _leaf.ExportCertificatePem() + "\n" + string.Join('\n', rootLines);

        string? refused = Write(chain, _leafKey.ExportPkcs8PrivateKeyPem());

        Assert.NotNull(refused);
        Assert.StartsWith("the certificate chain or key cannot be loaded: parse certificate chain of SDS secret 'default'", refused);
        Assert.False(File.Exists(_directory.PathOf("cert.pem")));
        Assert.False(File.Exists(_directory.PathOf("key.pem")));
    }

    [Fact]
    public void A_key_on_a_curve_dotnet_does_not_know_is_nacked_not_thrown_out_of_the_subscription()
    {
        // X509Certificate2.CreateFromPem threw PlatformNotSupportedException for a PKCS#8 key whose
        // curve OID is unknown; it escaped the checks, so the subscription neither ACKed nor NACKed
        // and reopened its stream over and over. prime256v1 is 1.2.840.10045.3.1.7; make it ...3.1.9.
        byte[] pkcs8 = _leafKey.ExportPkcs8PrivateKey();
        byte[] prime256v1 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
        int at = pkcs8.AsSpan().IndexOf(prime256v1);
        Assert.True(at >= 0);
        pkcs8[at + prime256v1.Length - 1] = 0x09;

        string? refused = Write(_leaf.ExportCertificatePem(), PemEncoding.WriteString("PRIVATE KEY", pkcs8));

        Assert.NotNull(refused);
        // OpenSSL loads the pair first (the key is matched by SubjectPublicKeyInfo, so SM2 keys pass), and refuses the unknown curve.
        Assert.StartsWith("the certificate chain or key cannot be loaded", refused);
        Assert.False(File.Exists(_directory.PathOf("key.pem")));
    }

    private string? Write(string chain, string key)
    {
        var secret = new EnvoySecret
        {
            Name = SecretNames.Default,
            TlsCertificate = new TlsCertificate
            {
                CertificateChain = new DataSource { InlineBytes = ByteString.CopyFromUtf8(chain) },
                PrivateKey = new DataSource { InlineBytes = ByteString.CopyFromUtf8(key) },
            },
        };
        var response = new TlsGateway.Grpc.Envoy.Discovery.DiscoveryResponse { VersionInfo = "2", Nonce = "2", TypeUrl = SecretNames.SecretTypeUrl };
        response.Resources.Add(Google.Protobuf.WellKnownTypes.Any.Pack(secret));
        return SdsSubscription.Accept(response, SecretNames.Default,
            s => SdsFileMirror.WriteCertificate(s, _directory.PathOf("cert.pem"), _directory.PathOf("key.pem")));
    }

    [Theory]
    [InlineData("{\"version\":3,\"rotated_at\":\"2026-11-24T00:00:00+00:00\"}")]
    [InlineData("{\"version\":3,\"rotated_at\":\"2026-11-24T00:00:00+00:00\",\"keys\":null}")]
    [InlineData("{\"version\":3,\"rotated_at\":\"2026-11-24T00:00:00+00:00\",\"keys\":[null,null]}")]
    public void A_ticket_key_ring_file_without_keys_is_refused_with_its_name_not_a_null_reference(string json)
    {
        // The serializer left "keys" (or an entry) null and Load dereferenced it: the agent died with a
        // NullReferenceException instead of naming the damaged file (found by AgentTicketKeyFileFuzzTests).
        string path = _directory.Write("ticket-keys.json", json);

        IOException refused = Assert.Throws<IOException>(() => new SessionTicketKeys(path, AgentOptions.Default, NullLogger.Instance));

        Assert.StartsWith(path, refused.Message);
        Assert.Equal(json, File.ReadAllText(path));
    }
}
