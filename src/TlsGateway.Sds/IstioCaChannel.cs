using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Net.Client;
using TlsGateway.Crypto;
using TlsGateway.Grpc.Istio;
using TlsGateway.Identity;
using TlsGateway.Tls;

namespace TlsGateway.Sds;

/// <summary>
/// One immutable set of client credentials and the gRPC channel built from them: the root bundle
/// that authenticates the server, the optional client certificate, and the files' stamps so the
/// owner can tell when to build a new one. Connections are pooled per channel, so a renewed client
/// certificate takes effect by swapping the whole channel, never by mutating this one.
/// </summary>
/// <remarks>
/// TLS is the OpenSSL engine's (<see cref="IstioCaConnector"/>), under an http:// address with
/// HTTP/2 prior knowledge, so SocketsHttpHandler never adds .NET's TLS. The configured https
/// address still names the host and port, and its host is the name checked in the certificate.
/// </remarks>
internal sealed class IstioCaChannel : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly IstioCaConnector _connector;

    private IstioCaChannel(GrpcChannel channel, IstioCaConnector connector, IReadOnlyList<byte[]> bundleRoots, SpiffeId? ownIdentity, string stamps)
    {
        _channel = channel;
        _connector = connector;
        Client = new IstioCertificateService.IstioCertificateServiceClient(channel);
        BundleRoots = bundleRoots;
        OwnIdentity = ownIdentity;
        Stamps = stamps;
    }

    public IstioCertificateService.IstioCertificateServiceClient Client { get; }

    /// <summary>The configured bundle's roots, DER.</summary>
    public IReadOnlyList<byte[]> BundleRoots { get; }

    /// <summary>The SPIFFE ID of the client certificate, if one is configured.</summary>
    public SpiffeId? OwnIdentity { get; }

    public string Stamps { get; }

    /// <exception cref="IdentityIssuerException">A file is missing or unreadable; not retryable until the files change.</exception>
    public static IstioCaChannel Create(IstioCaClientOptions options)
    {
        string stamps = StampsOf(options);
        CertificateKeyPair? certificate = null;
        TlsClientContext? context = null;
        try
        {
            byte[] bundle = PemFile.Read(options.RootBundlePath, CertificateKeyPair.MaxChainFileBytes, "root bundle");
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(Encoding.ASCII.GetString(bundle));
            if (roots.Count == 0)
            {
                throw new IdentityIssuerException($"the root bundle {options.RootBundlePath} holds no certificate", retryable: false);
            }

            SpiffeId? own = null;
            if (options.CertificatePath is not null && options.KeyPath is not null)
            {
                certificate = CertificateKeyPair.Load(options.CertificatePath, new PrivateKeySource(options.KeyPath));
                own = CertificateSpiffeId.Read(certificate.Leaf, out _);
            }

            // SPIFFE authentication (X509-SVID section 5): the chain must verify, and the server's
            // SPIFFE ID is what is checked, in place of the host name.
            IPeerAuthorizer? authorizer = options.ServerIdentity is SpiffeId expected ? new SpiffeAuthorizer(spiffeIds: [expected.ToString()]) : null;
            context = TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, bundle, certificate, authorizer));
            var connector = new IstioCaConnector(context, options.ServerIdentity is null ? options.Address.IdnHost : null, options.Deadline);
            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = options.Deadline,
                ConnectCallback = connector.ConnectAsync,
            };
            GrpcChannel channel = GrpcChannel.ForAddress(PlaintextAddress(options.Address), new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                HttpVersion = HttpVersion.Version20,
                HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            });
            return new IstioCaChannel(channel, connector, roots.Select(r => r.RawData).ToList(), own ?? options.Identity, stamps);
        }
        catch (Exception e) when (e is CryptographicException or CryptoConfigurationException or TlsConfigurationException or IOException
            or UnauthorizedAccessException or ArgumentException)
        {
            context?.Dispose();
            throw new IdentityIssuerException($"cannot load the CA client credentials: {e.Message}", retryable: false, e);
        }
        finally
        {
            // The context holds its own references to the chain and key.
            certificate?.Dispose();
        }
    }

    /// <summary>Modification time and length of every configured file: cheap to compare on every call.</summary>
    public static string StampsOf(IstioCaClientOptions options) =>
        string.Join('|', new[] { options.RootBundlePath, options.CertificatePath, options.KeyPath }
            .Where(p => p is not null)
            .Select(p => new FileInfo(p!) is { Exists: true } f ? $"{f.LastWriteTimeUtc.Ticks}:{f.Length}" : "missing"));

    /// <summary>The same host and port as http://, so the handler adds no TLS of its own (ours is underneath, in the connector).</summary>
    private static Uri PlaintextAddress(Uri address) =>
        new UriBuilder(address) { Scheme = Uri.UriSchemeHttp, Port = address.Port }.Uri;

    public void Dispose()
    {
        _channel.Dispose();
        _connector.Dispose();
    }
}
