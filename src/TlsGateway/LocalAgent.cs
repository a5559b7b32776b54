using Microsoft.Extensions.Logging;
using TlsGateway.Identity;
using TlsGateway.Sds;

namespace TlsGateway.Host;

/// <summary>
/// The agent role of `tlsgw up`: SDS on a Unix socket, certificates from the CA in this
/// process, session-ticket keys in DIR/sds/ticket-keys.json, and a policy that gives the user
/// who started the process spiffe://TD/ns/default/sa/USER (and the ticket keys), so a local
/// sidecar works without any configuration.
/// </summary>
internal sealed class LocalAgent : IAsyncDisposable
{
    private readonly SdsStats _stats;
    private readonly SecretCatalog _catalog;
    private readonly SdsServer _server;

    private LocalAgent(SdsStats stats, SecretCatalog catalog, SdsServer server, SpiffeId localIdentity)
    {
        _stats = stats;
        _catalog = catalog;
        _server = server;
        LocalIdentity = localIdentity;
    }

    public SpiffeId LocalIdentity { get; }

    public string SocketPath => _server.SocketPath;

    public static async Task<LocalAgent> StartAsync(CaContext ca, AgentOptions options, string socketPath, ILoggerFactory loggers)
    {
        ILogger logger = loggers.CreateLogger("tlsgw.sds");
        var stats = new SdsStats();
        var ticketKeys = new SessionTicketKeys(Path.Combine(ca.Layout.DataDirectory, "sds", "ticket-keys.json"), options, logger);
        var catalog = new SecretCatalog(new InProcessIssuer(ca.Authority), options, ticketKeys, [], stats, logger);
        try
        {
            await catalog.StartAsync(CancellationToken.None);
            var policy = WorkloadPolicy.ForCurrentUser(ca.Settings.TrustDomain, [SecretNames.SessionTicketKeys]);
            SdsServer server = await SdsServer.StartAsync(socketPath, catalog, policy, loggers);
            string user = WorkloadPolicy.UserName(WorkloadPolicy.CurrentUid()) ?? WorkloadPolicy.CurrentUid().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new LocalAgent(stats, catalog, server, SpiffeId.ForWorkload(ca.Settings.TrustDomain, "default", user));
        }
        catch
        {
            await catalog.DisposeAsync();
            stats.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _catalog.DisposeAsync();
        _stats.Dispose();
    }
}
