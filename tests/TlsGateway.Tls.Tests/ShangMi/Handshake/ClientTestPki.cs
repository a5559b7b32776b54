using System.Security.Cryptography;
using TlsGateway.Crypto.ShangMi;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// One throwaway PKI from tests/peers/bc-tls/make-sm2-pki.sh for the managed client's tests: an SM2
/// root, intermediate, server leaf (DNS:localhost, IP:127.0.0.1) and client leaf, and an ECDSA P-256
/// root with server and client leaves, with their keys loaded. A second PKI (same names, other keys)
/// is the "untrusted" one.
/// </summary>
public sealed class ClientTestPki : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tlsgw-managed-client-").FullName;

    public ClientTestPki()
    {
        TestPkiFiles.Make(PkiDirectory);
        TestPkiFiles.Make(OtherDirectory);
        Sm2ServerKey = Sm2Key.ImportFromPem(File.ReadAllText(PathOf("sm2-server.key")));
        Sm2ClientKey = Sm2Key.ImportFromPem(File.ReadAllText(PathOf("sm2-client.key")));
        EcdsaServerKey = ECDsa.Create();
        EcdsaServerKey.ImportFromPem(File.ReadAllText(PathOf("ecdsa-server.key")));
        EcdsaClientKey = ECDsa.Create();
        EcdsaClientKey.ImportFromPem(File.ReadAllText(PathOf("ecdsa-client.key")));
    }

    public string PkiDirectory => Path.Combine(_root, "pki");

    public string OtherDirectory => Path.Combine(_root, "other");

    public Sm2Key Sm2ServerKey { get; }

    public Sm2Key Sm2ClientKey { get; }

    public ECDsa EcdsaServerKey { get; }

    public ECDsa EcdsaClientKey { get; }

    /// <summary>Both roots: a client trusting these accepts either kind of server.</summary>
    public List<byte[]> Roots => [.. Read("sm2-root.pem"), .. Read("ecdsa-root.pem")];

    public Sm2ServerCredential Sm2ServerCredential => new(Read("sm2-server-chain.pem"), Sm2ServerKey);

    public EcdsaServerCredential EcdsaServerCredential => new(Read("ecdsa-server.pem"), EcdsaServerKey);

    public Sm2ServerCredential Sm2ClientCredential => new(Read("sm2-client-chain.pem"), Sm2ClientKey);

    public EcdsaServerCredential EcdsaClientCredential => new(Read("ecdsa-client.pem"), EcdsaClientKey);

    public ManagedServerOptions ServerOptions => new()
    {
        ShangMiCredential = Sm2ServerCredential,
        EcdsaCredential = EcdsaServerCredential,
    };

    public ManagedClientOptions ClientOptions => new() { ServerName = "localhost", TrustAnchors = Roots };

    public string PathOf(string name) => Path.Combine(PkiDirectory, name);

    public List<byte[]> Read(string name) => TestPkiFiles.ReadPem(PathOf(name));

    public List<byte[]> ReadOther(string name) => TestPkiFiles.ReadPem(Path.Combine(OtherDirectory, name));

    public void Dispose()
    {
        Sm2ServerKey.Dispose();
        Sm2ClientKey.Dispose();
        EcdsaServerKey.Dispose();
        EcdsaClientKey.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
