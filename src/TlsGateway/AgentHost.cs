using Microsoft.Extensions.Logging;
using System.Net.Sockets;
using TlsGateway.Sds;

namespace TlsGateway.Host;

/// <summary>
/// The agent role, running: secrets kept fresh from an issuer (the CA in this process or a
/// remote one), SDS on a Unix socket, and the shared session-ticket keys when configured.
/// `tlsgw up` runs it with <see cref="ForLocalUser"/>; `tlsgw serve` with the `agent` section.
/// </summary>
internal sealed class AgentHost : IAsyncDisposable
{
    private readonly SdsStats _stats;
    private readonly SecretCatalog _catalog;
    private readonly SdsServer _server;
    private readonly IAsyncDisposable? _issuerOwner;

    private AgentHost(SdsStats stats, SecretCatalog catalog, SdsServer server, IAsyncDisposable? issuerOwner)
    {
        _stats = stats;
        _catalog = catalog;
        _server = server;
        _issuerOwner = issuerOwner;
    }

    public string SocketPath => _server.SocketPath;

    public SecretCatalog Catalog => _catalog;

    /// <summary>The SDS server, whose socket a hot restart hands over.</summary>
    public SdsServer Server => _server;

    /// <summary>`tlsgw up`: the user who started it gets spiffe://TD/ns/default/sa/USER and the ticket keys in DIR/sds.</summary>
    public static AgentConfig ForLocalUser(string dataDirectory, string trustDomain, AgentOptions options, string socketPath) =>
        new(new AgentCaConfig(dataDirectory, null, null, null, null, null), socketPath, options,
            Path.Combine(dataDirectory, "sds", "ticket-keys.json"),
            [new WorkloadRule(WorkloadPolicy.CurrentUid(), null, null, null, $"spiffe://{trustDomain}/ns/default/sa/{{user}}", [SecretNames.SessionTicketKeys])],
            []);

    /// <summary>`tlsgw serve`: the issuer the `agent.ca` section names — the CA in its data directory, or a remote one.</summary>
    /// <param name="inheritedSocket">The SDS socket handed over by the process this one replaces (hot restart).</param>
    public static async Task<AgentHost> StartAsync(AgentConfig config, ILoggerFactory loggers, Socket? inheritedSocket = null)
    {
        if (config.Ca.IsLocal)
        {
            CaContext ca = await LocalIdentity.OpenCaAsync(new Ca.CaLayout(config.Ca.DataDirectory!), CancellationToken.None);
            return await StartOwningAsync(config, new InProcessIssuer(ca.Authority), ca, loggers, inheritedSocket);
        }

        AgentEnrolment enrolment = await AgentEnrolment.StartAsync(config.Ca, config.Options, loggers.CreateLogger("tlsgw.agent"), CancellationToken.None);
        return await StartOwningAsync(config, enrolment.Client, enrolment, loggers, inheritedSocket);
    }

    public static Task<AgentHost> StartAsync(AgentConfig config, IIdentityIssuer issuer, ILoggerFactory loggers) =>
        StartOwningAsync(config, issuer, null, loggers, null);

    private static async Task<AgentHost> StartOwningAsync(AgentConfig config, IIdentityIssuer issuer, IAsyncDisposable? issuerOwner, ILoggerFactory loggers,
        Socket? inheritedSocket)
    {
        ILogger logger = loggers.CreateLogger("tlsgw.sds");
        var stats = new SdsStats();
        SessionTicketKeys? ticketKeys = config.TicketKeyFile is null ? null : new SessionTicketKeys(config.TicketKeyFile, config.Options, logger);
        var catalog = new SecretCatalog(issuer, config.Options, ticketKeys, config.Certificates, stats, logger);
        try
        {
            await catalog.StartAsync(CancellationToken.None);
            SdsServer server = await SdsServer.StartAsync(config.SocketPath, catalog, new WorkloadPolicy(config.Policy), loggers, inheritedSocket);
            logger.LogInformation("SDS on unix:{Socket} ({Rules} policy rules)", config.SocketPath, config.Policy.Count);
            return new AgentHost(stats, catalog, server, issuerOwner);
        }
        catch
        {
            await catalog.DisposeAsync();
            stats.Dispose();
            if (issuerOwner is not null)
            {
                await issuerOwner.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _catalog.DisposeAsync();
        _stats.Dispose();
        if (_issuerOwner is not null)
        {
            await _issuerOwner.DisposeAsync();
        }
    }
}
