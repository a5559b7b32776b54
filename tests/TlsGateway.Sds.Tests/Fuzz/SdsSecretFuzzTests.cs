using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TlsGateway.Crypto;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Tls;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;
using Xunit.Abstractions;

namespace TlsGateway.Sds.Tests.Fuzz;

/// <summary>
/// The client side of SDS — what the edge does with a DiscoveryResponse (<see cref="SdsSubscription.Accept"/>
/// handing each Secret to <see cref="SdsFileMirror"/>) — under mutated protobuf bytes and mutated
/// PEM inside well-formed secrets (<see cref="Fuzzer"/>). Bytes that are not a DiscoveryResponse are
/// refused by protobuf's parser (InvalidProtocolBufferException, which gRPC turns into a failed
/// call); a response that parses is ACKed or NACKed with a reason, never answered with an exception
/// (the subscription would drop the stream and reopen it, forever). And what the mirror accepts,
/// the edge can load: a certificate it writes loads with <see cref="CertificateKeyPair.Load"/>, a
/// ticket-key file holds 1-8 keys of 80 bytes.
/// </summary>
public sealed class SdsSecretFuzzTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _directory = new();
    private readonly string _chain;
    private readonly string _key;

    public SdsSecretFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        (_chain, _key) = CreateChain();
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Mutated_discovery_responses_are_acked_or_nacked_and_what_is_acked_loads()
    {
        byte[][] seeds =
        [
            Response(CertificateSecret(SecretNames.Default, _chain, _key)).ToByteArray(),
            Response(TicketKeySecret(2)).ToByteArray(),
            Response(new EnvoySecret
            {
                Name = SecretNames.RootCa,
                ValidationContext = new CertificateValidationContext { TrustedCa = new DataSource { InlineBytes = ByteString.CopyFromUtf8(_chain) } },
            }, CertificateSecret(SecretNames.Default, _chain, _key), TicketKeySecret(1)).ToByteArray(),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            DiscoveryResponse response = DiscoveryResponse.Parser.ParseFrom(input);
            CheckCertificate(response);
            CheckTicketKeys(response);
        }, e => e is InvalidProtocolBufferException);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    [Fact]
    public void Mutated_certificate_chains_and_keys_inside_a_secret_are_acked_or_nacked_and_what_is_acked_loads()
    {
        using var rsa = RSA.Create(1024);
        byte[][] seeds =
        [
            Encoding.UTF8.GetBytes(_chain + _key),
            Encoding.UTF8.GetBytes(_chain.Split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n" + _key),
            Encoding.UTF8.GetBytes(_chain + rsa.ExportPkcs8PrivateKeyPem()),
        ];

        int runs = Fuzzer.Run(seeds, input =>
        {
            // The key is what follows the last "-----BEGIN PRIVATE KEY", or the second half if a mutation took that away.
            string text = Encoding.UTF8.GetString(input);
            int split = text.LastIndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal);
            split = split < 0 ? text.Length / 2 : split;
            CheckCertificate(Response(CertificateSecret(SecretNames.Default, text[..split], text[split..])));
        }, _ => false);

        _output.WriteLine($"{runs} inputs in {Fuzzer.Budget.TotalSeconds} s");

        Assert.True(runs > 100, $"only {runs} inputs ran");
    }

    private void CheckCertificate(DiscoveryResponse response)
    {
        string certificate = _directory.PathOf("cert.pem");
        string key = _directory.PathOf("key.pem");
        File.Delete(certificate);
        File.Delete(key);
        if (SdsSubscription.Accept(response, SecretNames.Default, secret => SdsFileMirror.WriteCertificate(secret, certificate, key)) is null)
        {
            using CertificateKeyPair loaded = CertificateKeyPair.Load(certificate, new PrivateKeySource(key));
        }
    }

    private void CheckTicketKeys(DiscoveryResponse response)
    {
        string file = _directory.PathOf("keys");
        File.Delete(file);
        if (SdsSubscription.Accept(response, SecretNames.SessionTicketKeys, secret => SdsFileMirror.WriteTicketKeys(secret, file)) is null)
        {
            long length = new FileInfo(file).Length;
            Assert.True(length is > 0 and <= 8 * 80 && length % 80 == 0, $"a ticket-key file of {length} bytes was written");
        }
    }

    private static DiscoveryResponse Response(params EnvoySecret[] secrets)
    {
        var response = new DiscoveryResponse { VersionInfo = "1", Nonce = "1", TypeUrl = SecretNames.SecretTypeUrl };
        response.Resources.AddRange(secrets.Select(Any.Pack));
        return response;
    }

    private static EnvoySecret CertificateSecret(string name, string chain, string key) => new()
    {
        Name = name,
        TlsCertificate = new TlsCertificate
        {
            CertificateChain = new DataSource { InlineBytes = ByteString.CopyFromUtf8(chain) },
            PrivateKey = new DataSource { InlineBytes = ByteString.CopyFromUtf8(key) },
        },
    };

    private static EnvoySecret TicketKeySecret(int count)
    {
        var keys = new TlsSessionTicketKeys();
        keys.Keys.AddRange(Enumerable.Range(0, count).Select(_ => new DataSource { InlineBytes = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(80)) }));
        return new EnvoySecret { Name = SecretNames.SessionTicketKeys, SessionTicketKeys = keys };
    }

    /// <summary>A leaf (with its PKCS#8 key) and the root that signed it, as the agent serves `default`: chain leaf first.</summary>
    private static (string Chain, string Key) CreateChain()
    {
        using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=fuzz root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=fuzz leaf", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri("spiffe://example.org/ns/default/sa/fuzz"));
        leafRequest.CertificateExtensions.Add(names.Build());
        using X509Certificate2 leaf = leafRequest.Create(root, now.AddMinutes(-5), now.AddHours(12), [1, 2, 3, 4]);
        return (leaf.ExportCertificatePem() + "\n" + root.ExportCertificatePem() + "\n", leafKey.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
