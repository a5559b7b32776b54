using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Edge;
using TlsGateway.Edge.Config;
using TlsGateway.Host.Admin;
using TlsGateway.Sds;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// Hot restart for one `tlsgw serve` process (docs/hot-restart.md): with <c>--hot-restart</c>
/// it first takes the running process's sockets (<see cref="TakeOver"/>); once its roles serve,
/// <see cref="Serving"/> tells that process to step aside and starts listening for the next
/// upgrade. When a later process takes over from this one, <see cref="HandedOff"/> fires: the
/// admin port and SDS stop accepting here, and the edge drains.
/// </summary>
internal sealed class HotRestartCoordinator : IAsyncDisposable
{
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _handedOff = new();
    private HotRestartClient? _client;
    private HotRestartServer? _server;
    private EdgeRuntime? _edge;

    public HotRestartCoordinator(string path, ILogger logger)
    {
        _path = path;
        _logger = logger;
    }

    /// <summary>
    /// The default restart socket of a config file: beside it, so each config has its own; when
    /// that path is too long for a Unix socket, one in the temporary directory named by a hash
    /// of the config's path (the next process computes the same name).
    /// </summary>
    public static string DefaultPath(string configPath)
    {
        string beside = configPath + ".restart.sock";
        if (System.Text.Encoding.UTF8.GetByteCount(beside) <= Grpc.UnixSocketListener.MaxPathBytes)
        {
            return beside;
        }

        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configPath));
        return Path.Combine(Path.GetTempPath(), $"tlsgw-{Convert.ToHexStringLower(hash)[..16]}.restart.sock");
    }

    /// <summary>Cancelled once another process has taken over from this one.</summary>
    public CancellationToken HandedOff => _handedOff.Token;

    /// <summary>The edge's handed-over listening sockets, taken by address.</summary>
    public InheritedListeners? InheritedEdge => _client?.Edge;

    public AdminServer? Admin { get; set; }

    public AgentHost? Agent { get; set; }

    /// <summary>Takes the sockets of the process serving at the restart socket, if one does. Throws <see cref="IOException"/> if it answers but fails.</summary>
    public void TakeOver() => _client = HotRestartClient.TryConnect(_path, _logger);

    /// <summary>The handed-over admin socket, if it listens where this config wants the admin port.</summary>
    public Socket? TakeAdminSocket(System.Net.IPEndPoint wanted) => _client?.TakeAdmin(wanted.ToString());

    /// <summary>
    /// True when the process being replaced serves every listener of <paramref name="edge"/> until
    /// this one does, so the node is ready all along. A listener it did not hand over (one the new
    /// config adds, or every listener when it ran no edge) is served by nobody until this process binds it.
    /// </summary>
    public bool ServesMeanwhile(EdgeConfig edge) => ServesMeanwhile(InheritedEdge, edge);

    internal static bool ServesMeanwhile(InheritedListeners? handedOver, EdgeConfig edge)
    {
        if (handedOver is null)
        {
            return false; // not taking over: nobody serves until this process binds
        }

        IReadOnlyCollection<System.Net.IPEndPoint> served = handedOver.Addresses;
        return edge.Listeners.All(listener => served.Contains(listener.Address));
    }

    /// <summary>The handed-over SDS socket, if it is at the path this config names.</summary>
    public Socket? TakeSdsSocket(string path) => _client?.TakeSds(path);

    /// <summary>Starting failed: the process being replaced keeps serving, and logs why.</summary>
    public void Fail(string reason) => _client?.Fail(reason);

    /// <summary>Every role of this process serves: the old process (if any) steps aside, and this one listens for the next.</summary>
    public void Serving(EdgeRuntime? edge)
    {
        _edge = edge;
        bool tookOver = _client is not null;
        // Handed-over sockets no listener took (a listener the new config dropped) close here.
        _client?.Edge.Dispose();
        _client?.ConfirmServing();
        _client?.Dispose();
        _client = null;
        _server = HotRestartServer.TryStart(_path, Offer, StepAside, _logger);
        // Under systemd (Type=notify, NotifyAccess=all) the service now follows this process.
        SystemdNotify.Send(tookOver ? $"MAINPID={Environment.ProcessId}\nREADY=1" : "READY=1");
    }

    private HandoffOffer Offer()
    {
        var offer = new HandoffOffer();
        foreach (HandedOverListener listener in _edge?.HandOver() ?? [])
        {
            offer.Add("edge", listener.Name, listener.Address.ToString(), Descriptor(listener.Socket), listener.TicketKeys);
        }

        if (Admin is not null)
        {
            offer.Add("admin", "admin", Admin.Address.ToString(), Descriptor(Admin.ListeningSocket));
        }

        if (Agent is not null)
        {
            offer.Add("sds", "sds", Agent.SocketPath, Descriptor(Agent.Server.ListeningSocket));
        }

        return offer;
    }

    // The new process serves: stop accepting everywhere (without shutting the shared sockets
    // down) and let the edge drain. Returns the connections left to drain.
    private int StepAside()
    {
        if (Admin is { } admin)
        {
            admin.MarkHandedOver();
            _ = admin.StopAcceptingAsync();
        }

        if (Agent is { } agent)
        {
            agent.Server.MarkHandedOver();
            _ = agent.Server.StopAcceptingAsync();
        }

        int connections = _edge?.ActiveConnections ?? 0;
        // Not inline: the drain this starts ends in DisposeAsync, which waits for the caller.
        _ = Task.Run(_handedOff.Cancel);
        return connections;
    }

    private static int Descriptor(Socket socket) => checked((int)socket.Handle);

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _handedOff.Dispose();
    }
}
