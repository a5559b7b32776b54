using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TlsGateway.Ca;
using TlsGateway.Crypto;
using TlsGateway.Grpc;
using TlsGateway.Grpc.Envoy.Discovery;
using TlsGateway.Grpc.Envoy.Secret;
using TlsGateway.Storage;

namespace TlsGateway.Sds.Tests.Sds;

/// <summary>
/// A real agent for one test: a CA made the way `tlsgw ca init` makes one (SQLite in a temp
/// directory), the SDS service on Kestrel over a Unix socket, and a Grpc.Net.Client channel
/// connected to that socket — so the caller is this test process, identified by its own
/// SO_PEERCRED like any sidecar.
/// </summary>
internal sealed class SdsHarness : IAsyncDisposable
{
    public const string TrustDomain = "example.org";

    private readonly TempDirectory _directory;
    private readonly ICaStore _store;
    private readonly SdsServer _server;
    private bool _stopped;

    private SdsHarness(TempDirectory directory, ICaStore store, CertificateAuthority authority, SecretCatalog catalog, SdsServer server,
        GrpcChannel channel, SwitchableIssuer issuer, SessionTicketKeys ticketKeys)
    {
        _directory = directory;
        _store = store;
        Authority = authority;
        Catalog = catalog;
        _server = server;
        Channel = channel;
        Issuer = issuer;
        TicketKeys = ticketKeys;
        Client = new SecretDiscoveryService.SecretDiscoveryServiceClient(channel);
    }

    public CertificateAuthority Authority { get; }

    public SecretCatalog Catalog { get; }

    public GrpcChannel Channel { get; }

    public SecretDiscoveryService.SecretDiscoveryServiceClient Client { get; }

    /// <summary>The CA as the agent reaches it; a test can cut it off.</summary>
    public SwitchableIssuer Issuer { get; }

    public SessionTicketKeys TicketKeys { get; }

    public string TicketKeyFile => _directory.PathOf("sds/ticket-keys.json");

    public string SocketPath => _server.SocketPath;

    public TempDirectory Directory => _directory;

    /// <summary>The identity this process gets under the default policy of <see cref="StartAsync"/>.</summary>
    public static string OwnIdentity =>
        $"spiffe://{TrustDomain}/ns/default/sa/{WorkloadPolicy.UserName(WorkloadPolicy.CurrentUid())}";

    /// <param name="rules">The policy; by default this process's uid gets …/sa/USER and the ticket keys.</param>
    /// <param name="caKeyType">The CA's key type; ECDSA P-256 by default.</param>
    public static async Task<SdsHarness> StartAsync(AgentOptions? options = null, IReadOnlyList<WorkloadRule>? rules = null,
        IReadOnlyList<NamedCertificate>? named = null, CaKeyType? caKeyType = null)
    {
        caKeyType ??= CaKeyType.EcdsaP256;
        options ??= AgentOptions.Default with { RetryInitial = TimeSpan.FromMilliseconds(100), BundleRefresh = TimeSpan.FromMilliseconds(200) };
        var directory = new TempDirectory();
        var layout = new CaLayout(directory.PathOf("data"));
        layout.EnsureDirectories();
        byte[] passphrase = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        string passphraseFile = directory.Write("passphrase", Encoding.ASCII.GetString(passphrase) + "\n");
        var access = new CaKeyAccess(SecretSource.FromFile(passphraseFile));
        ICaStore store = CaStore.Open(layout.Database, TimeProvider.System);
        await CaBootstrap.CreateGenerationAsync(store, layout, new CaSettings(TrustDomain, caKeyType.Name), access,
            new CaBootstrap.Options(caKeyType, passphrase, KdfIterations: 6_000), "sds-tests", TimeProvider.System);
        CertificateAuthority authority = await CertificateAuthority.OpenAsync(store, TrustDomain, access,
            IssuancePolicy.Default with { WorkloadDnsNames = ["*.example.org"] });

        var issuer = new SwitchableIssuer(new InProcessIssuer(authority));
        ILogger logger = NullLogger.Instance;
        var ticketKeys = new SessionTicketKeys(directory.PathOf("sds/ticket-keys.json"), options, logger);
        var catalog = new SecretCatalog(issuer, options, ticketKeys, named ?? [], new SdsStats(), logger);
        await catalog.StartAsync(CancellationToken.None);
        var policy = rules is null
            ? WorkloadPolicy.ForCurrentUser(TrustDomain, [SecretNames.SessionTicketKeys])
            : new WorkloadPolicy(rules);
        SdsServer server = await SdsServer.StartAsync(directory.PathOf("sds.sock"), catalog, policy, NullLoggerFactory.Instance);
        return new SdsHarness(directory, store, authority, catalog, server, Connect(server.SocketPath), issuer, ticketKeys);
    }

    /// <summary>A gRPC channel over a Unix socket.</summary>
    public static GrpcChannel Connect(string socketPath) => UnixSocketChannel.Create(socketPath);

    public static DiscoveryRequest Request(params string[] names)
    {
        var request = new DiscoveryRequest { TypeUrl = SecretNames.SecretTypeUrl };
        request.ResourceNames.AddRange(names);
        return request;
    }

    public static DiscoveryRequest Ack(DiscoveryResponse response, params string[] names)
    {
        DiscoveryRequest ack = Request(names);
        ack.VersionInfo = response.VersionInfo;
        ack.ResponseNonce = response.Nonce;
        return ack;
    }

    /// <summary>The next response on a stream, or a failure after <paramref name="timeout"/>.</summary>
    public static async Task<T> NextAsync<T>(IAsyncStreamReader<T> reader, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        Assert.True(await reader.MoveNext(cancel.Token), "the stream ended");
        return reader.Current;
    }

    /// <summary>True when nothing arrives on the stream within <paramref name="quiet"/>.</summary>
    public static async Task<bool> StaysQuietAsync<T>(IAsyncStreamReader<T> reader, TimeSpan quiet)
    {
        using var cancel = new CancellationTokenSource(quiet);
        try
        {
            await reader.MoveNext(cancel.Token);
            return false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Stops the SDS listener the way the process does on SIGTERM (idempotent).</summary>
    public async Task StopServerAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await StopServerAsync();
        await Catalog.DisposeAsync();
        Catalog.Stats.Dispose();
        Authority.Dispose();
        await _store.DisposeAsync();
        _directory.Dispose();
    }
}
