using TlsGateway.Config;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TlsGateway.Edge.Tests.Infrastructure;
using static TlsGateway.Edge.Tests.Infrastructure.ConfigText;

namespace TlsGateway.Edge.Config.Tests;

/// <summary>`client_auth.crl` and `upstream.tls.crl` files are read and parsed when a config file is loaded, and a bad one is cited by its line.</summary>
public sealed class CrlFileValidatorTests : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string ClientAuthSection = "client_auth";
    private const string UpstreamTlsSection = "upstream.tls";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(ClientAuthSection)]
    [InlineData(UpstreamTlsSection)]
    public void A_DER_CRL_file_loads_and_is_kept_as_an_absolute_path(string section)
    {
        _directory.Write("peers.crl", Crl(), Readable);
        string config = WriteConfig(section, "peers.crl");

        EdgeConfig loaded = EdgeConfigReader.ReadFile(config);

        Assert.Equal(_directory.PathOf("peers.crl"), CrlFileOf(loaded, section));
    }

    [Fact]
    public void A_PEM_CRL_file_loads()
    {
        _directory.Write("clients.crl", System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", Crl())), Readable);
        string config = WriteConfig(ClientAuthSection, "clients.crl");

        EdgeConfig loaded = EdgeConfigReader.ReadFile(config);

        Assert.NotNull(loaded.Listeners[0].FilterChains[0].ClientAuth.CrlFile);
    }

    [Theory]
    [InlineData(ClientAuthSection)]
    [InlineData(UpstreamTlsSection)]
    public void A_file_that_is_not_a_CRL_is_rejected_with_file_line_and_key(string section)
    {
        _directory.Write("peers.crl", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"u8.ToArray(), Readable);
        string config = WriteConfig(section, "peers.crl");

        var error = Assert.Throws<ConfigException>(() => EdgeConfigReader.ReadFile(config));

        Assert.StartsWith($"{config}:{LineOf(File.ReadAllText(config), "crl:")}: edge.listeners[0].filter_chains[0].{section}.crl: not a CRL", error.Message);
    }

    [Theory]
    [InlineData(ClientAuthSection)]
    [InlineData(UpstreamTlsSection)]
    public void A_missing_CRL_file_is_rejected_with_file_line_and_key(string section)
    {
        string config = WriteConfig(section, "absent.crl");

        var error = Assert.Throws<ConfigException>(() => EdgeConfigReader.ReadFile(config));

        Assert.StartsWith($"{config}:{LineOf(File.ReadAllText(config), "crl:")}: edge.listeners[0].filter_chains[0].{section}.crl: ", error.Message);
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

    // The CRL is checked when the config loads, before any bundle is opened, so neither bundle need exist.
    private string WriteConfig(string section, string crl)
    {
        string path = _directory.PathOf("tlsgw.yaml");
        string chain = section == ClientAuthSection
            ? Chain("web", ClientAuth($"crl: {crl}"))
            : Chain("web", upstream: $"{{ endpoints: [127.0.0.1:8080], tls: {{ trust_bundle: upstream-ca.pem, server_name: api.internal, crl: {crl} }} }}");
        File.WriteAllText(path, Listener(chain));
        return path;
    }

    private static string? CrlFileOf(EdgeConfig config, string section) => section == ClientAuthSection
        ? config.Listeners[0].FilterChains[0].ClientAuth.CrlFile
        : config.Listeners[0].FilterChains[0].Upstream.Tls?.CrlFile;

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
