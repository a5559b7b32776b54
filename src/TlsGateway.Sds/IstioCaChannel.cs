using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using TlsGateway.Grpc.Istio;
using TlsGateway.Identity;

namespace TlsGateway.Sds;

/// <summary>
/// One immutable set of client credentials and the gRPC channel built from them: the root bundle
/// that authenticates the server, the optional client certificate, and the files' stamps so the
/// owner can tell when to build a new one. Connections are pooled per channel, so a renewed client
/// certificate takes effect by swapping the whole channel, never by mutating this one.
/// </summary>
internal sealed class IstioCaChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    private IstioCaChannel(GrpcChannel channel, IReadOnlyList<byte[]> bundleRoots, SpiffeId? ownIdentity, string stamps)
    {
        _channel = channel;
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
        var roots = new X509Certificate2Collection();
        X509Certificate2? leaf = null;
        try
        {
            roots.ImportFromPemFile(options.RootBundlePath);
            if (roots.Count == 0)
            {
                throw new IdentityIssuerException($"the root bundle {options.RootBundlePath} holds no certificate", retryable: false);
            }

            SslStreamCertificateContext? clientContext = null;
            SpiffeId? own = null;
            if (options.CertificatePath is not null && options.KeyPath is not null)
            {
                leaf = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);
                var chain = new X509Certificate2Collection();
                chain.ImportFromPemFile(options.CertificatePath);
                clientContext = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(chain.Skip(1).ToArray()), offline: true);
                own = CertificateSpiffeId.Read(leaf, out _);
            }

            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = options.Deadline,
                SslOptions = ClientTls(options, roots, clientContext),
            };
            GrpcChannel channel = GrpcChannel.ForAddress(options.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
            return new IstioCaChannel(channel, roots.Select(r => r.RawData).ToList(), own ?? options.Identity, stamps);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            leaf?.Dispose();
            throw new IdentityIssuerException($"cannot load the CA client credentials: {e.Message}", retryable: false, e);
        }
    }

    /// <summary>Modification time and length of every configured file: cheap to compare on every call.</summary>
    public static string StampsOf(IstioCaClientOptions options) =>
        string.Join('|', new[] { options.RootBundlePath, options.CertificatePath, options.KeyPath }
            .Where(p => p is not null)
            .Select(p => new FileInfo(p!) is { Exists: true } f ? $"{f.LastWriteTimeUtc.Ticks}:{f.Length}" : "missing"));

    private static SslClientAuthenticationOptions ClientTls(IstioCaClientOptions options, X509Certificate2Collection roots, SslStreamCertificateContext? client)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(roots);
        policy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        var tls = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = policy,
            ClientCertificateContext = client,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        };
        if (options.ServerIdentity is SpiffeId expected)
        {
            // SPIFFE authentication (X509-SVID §5): the chain must verify, and the peer's SPIFFE ID
            // is what is checked, in place of the host name.
            tls.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None
                && certificate is X509Certificate2 server
                && CertificateSpiffeId.Read(server, out _) is SpiffeId actual && actual.Equals(expected);
        }

        return tls;
    }

    public void Dispose() => _channel.Dispose();
}
