using System.Net;
using System.Net.Sockets;
using TlsGateway.Edge;
using TlsGateway.Edge.Config;
using TlsGateway.Host.HotRestart;
using TlsGateway.Integration.Tests.Infrastructure;

namespace TlsGateway.Integration.Tests.Scenarios.Operations;

/// <summary>
/// Whether a process taking over may answer /readyz ready before its edge has bound: only when
/// the process it replaces handed over every listener the new config has, since that one serves
/// them until this one does. Real listening sockets, as a hand-over carries them.
/// </summary>
public sealed class HotRestartReadinessTests : IDisposable
{
    private readonly InheritedListeners _handedOver = new();
    private readonly IPEndPoint _first;
    private readonly IPEndPoint _second;

    public HotRestartReadinessTests()
    {
        _first = Listen();
        _second = Listen();
    }

    public void Dispose() => _handedOver.Dispose();

    [Fact]
    public void A_new_process_whose_listeners_were_all_handed_over_is_served_meanwhile()
    {
        Assert.True(HotRestartCoordinator.ServesMeanwhile(_handedOver, Edge(_first, _second)));
        Assert.True(HotRestartCoordinator.ServesMeanwhile(_handedOver, Edge(_first)));
    }

    [Fact]
    public void A_listener_the_old_process_did_not_have_is_served_by_nobody_until_the_new_one_binds_it()
    {
        var added = new IPEndPoint(IPAddress.Loopback, FreePort.Next());

        Assert.False(HotRestartCoordinator.ServesMeanwhile(_handedOver, Edge(_first, added)));
    }

    [Fact]
    public void Taking_over_from_a_process_that_ran_no_edge_or_from_none_serves_nothing_meanwhile()
    {
        using var nothingHandedOver = new InheritedListeners();

        Assert.False(HotRestartCoordinator.ServesMeanwhile(nothingHandedOver, Edge(_first)));
        Assert.False(HotRestartCoordinator.ServesMeanwhile(null, Edge(_first)));
    }

    private IPEndPoint Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        _handedOver.Add(socket, ticketKeys: null);
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    private static EdgeConfig Edge(params IPEndPoint[] addresses) =>
        new(addresses.Select((address, i) => new ListenerConfig($"l{i}", address, [], LimitsConfig.Default, SessionTicketConfig.Default, false)).ToArray());
}
