using System.Security.Cryptography;
using Google.Protobuf;
using TlsGateway.Ca;
using TlsGateway.Grpc.Envoy.Core;
using TlsGateway.Grpc.Envoy.Tls;
using EnvoySecret = TlsGateway.Grpc.Envoy.Tls.Secret;

namespace TlsGateway.Sds;

/// <summary>
/// The ROOTCA secret: a validation context holding every root the CA trusts now — old and new
/// side by side during a root rotation — republished whenever that set changes.
/// </summary>
public sealed class TrustBundle
{
    public SecretCell Cell { get; } = new(SecretNames.RootCa);

    /// <summary>The roots served now (DER), for the admin API's certificate list.</summary>
    public IReadOnlyList<byte[]> Roots { get; private set; } = [];

    /// <summary>Publishes the roots if they differ from what is served. Returns whether they did.</summary>
    public bool Update(IReadOnlyList<byte[]> roots)
    {
        if (roots.Count == 0)
        {
            return false; // an issuer that knows no roots yet must not empty the bundle
        }

        string pem = PemText.EncodeAll("CERTIFICATE", roots);
        string version = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(pem)))[..16];
        if (Cell.Current?.Version == version)
        {
            return false;
        }

        var secret = new EnvoySecret
        {
            Name = SecretNames.RootCa,
            ValidationContext = new CertificateValidationContext { TrustedCa = new DataSource { InlineBytes = ByteString.CopyFromUtf8(pem) } },
        };
        Roots = roots.ToArray();
        Cell.Publish(new SecretResource(secret, version));
        return true;
    }
}
