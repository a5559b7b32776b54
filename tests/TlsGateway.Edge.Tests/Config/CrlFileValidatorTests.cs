using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Edge.Tests.Infrastructure;
using static TlsGateway.Edge.Tests.Infrastructure.ConfigText;

namespace TlsGateway.Edge.Config.Tests;

/// <summary>`client_auth.crl` files are read and parsed when a config file is loaded, and a bad one is cited by its line.</summary>
public sealed class CrlFileValidatorTests : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_DER_CRL_file_loads_and_is_kept_as_an_absolute_path()
    {
        _directory.Write("clients.crl", Crl(), Readable);
        string config = WriteConfig("crl: clients.crl");

        EdgeConfig loaded = EdgeConfigReader.ReadFile(config);

        Assert.Equal(_directory.PathOf("clients.crl"), loaded.Listeners[0].FilterChains[0].ClientAuth.CrlFile);
    }

    [Fact]
    public void A_PEM_CRL_file_loads()
    {
        _directory.Write("clients.crl", System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", Crl())), Readable);
        string config = WriteConfig("crl: clients.crl");

        EdgeConfig loaded = EdgeConfigReader.ReadFile(config);

        Assert.NotNull(loaded.Listeners[0].FilterChains[0].ClientAuth.CrlFile);
    }

    [Fact]
    public void A_file_that_is_not_a_CRL_is_rejected_with_file_line_and_key()
    {
        _directory.Write("clients.crl", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"u8.ToArray(), Readable);
        string config = WriteConfig("crl: clients.crl");

        var error = Assert.Throws<ConfigException>(() => EdgeConfigReader.ReadFile(config));

        Assert.StartsWith($"{config}:{LineOf(File.ReadAllText(config), "crl:")}: edge.listeners[0].filter_chains[0].client_auth.crl: not a CRL", error.Message);
    }

    [Fact]
    public void A_missing_CRL_file_is_rejected_with_file_line_and_key()
    {
        string config = WriteConfig("crl: absent.crl");

        var error = Assert.Throws<ConfigException>(() => EdgeConfigReader.ReadFile(config));

        Assert.StartsWith($"{config}:{LineOf(File.ReadAllText(config), "crl:")}: edge.listeners[0].filter_chains[0].client_auth.crl: ", error.Message);
        Assert.Contains(_directory.PathOf("absent.crl"), error.Message);
    }

    [Fact]
    public void Reading_config_text_alone_does_not_open_the_CRL_file()
    {
        EdgeConfig config = Read(Listener(Chain("web", ClientAuth("crl: nowhere/clients.crl"))));

        Assert.Equal("/etc/tlsgw/nowhere/clients.crl", config.Listeners[0].FilterChains[0].ClientAuth.CrlFile);
    }

    private static string ClientAuth(string extra) =>
        $$"""
                  client_auth:
                    mode: required
                    trust_bundle: clients.pem
                    {{extra}}
        """;

    private string WriteConfig(string extra)
    {
        string path = _directory.PathOf("tlsgw.yaml");
        File.WriteAllText(path, Listener(Chain("web", ClientAuth(extra))));
        return path;
    }

    private static byte[] Crl()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=CRL Test Root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 root = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        return new CertificateRevocationListBuilder().Build(root, crlNumber: 1, now.AddDays(1), HashAlgorithmName.SHA256, thisUpdate: now.AddMinutes(-5));
    }
}
