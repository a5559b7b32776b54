using System.Security.Cryptography.X509Certificates;
using System.Text;
using TlsGateway.Crypto;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>
/// A small PKI made in-test, written as PEM files: a root, a server leaf for localhost (and the
/// names the SNI tests use), a client X.509-SVID, and an unrelated second root. Shared by the
/// tests of one class (xunit class fixture); the files are deleted on dispose.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string ClientSpiffeId = "spiffe://example.org/ns/default/sa/client";

    // "wrong.test" is deliberately absent: it is the name that must fail host name verification.
    public static readonly string[] ServerNames = ["localhost", "a.test", "x.b.test", "unknown.test"];

    private readonly TempDirectory _directory = new();

    public TestPki()
    {
        using X509Certificate2 root = TestCertificates.CreateRoot("Test Root");
        using X509Certificate2 otherRoot = TestCertificates.CreateRoot("Unrelated Root");
        using X509Certificate2 server = TestCertificates.CreateServerLeaf(root, ServerNames);
        using X509Certificate2 client = TestCertificates.CreateClientLeaf(root, ClientSpiffeId);

        RootPem = Encoding.ASCII.GetBytes(root.ExportCertificatePem());
        OtherRootPem = Encoding.ASCII.GetBytes(otherRoot.ExportCertificatePem());
        ServerCertificatePath = _directory.Write("server.pem", server.ExportCertificatePem());
        ServerKeyPath = _directory.Write("server.key", TestCertificates.PrivateKeyPem(server));
        ClientCertificatePath = _directory.Write("client.pem", client.ExportCertificatePem());
        ClientKeyPath = _directory.Write("client.key", TestCertificates.PrivateKeyPem(client));
    }

    public byte[] RootPem { get; }

    public byte[] OtherRootPem { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    public string ClientCertificatePath { get; }

    public string ClientKeyPath { get; }

    public TempDirectory Directory => _directory;

    public CertificateKeyPair LoadServer() => CertificateKeyPair.Load(ServerCertificatePath, new PrivateKeySource(ServerKeyPath));

    public CertificateKeyPair LoadClient() => CertificateKeyPair.Load(ClientCertificatePath, new PrivateKeySource(ClientKeyPath));

    public void Dispose()
    {
        _directory.Dispose();
    }
}
