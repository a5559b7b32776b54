using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Edge.Tests.Infrastructure;

/// <summary>A real TCP listener on 127.0.0.1 with an ephemeral port: a live upstream endpoint.</summary>
public sealed class LoopbackUpstream : IDisposable
{
    private static readonly TimeSpan s_acceptTimeout = TimeSpan.FromSeconds(5);
    private readonly TcpListener _listener;

    public LoopbackUpstream()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = (IPEndPoint)_listener.LocalEndpoint;
    }

    public IPEndPoint Address { get; }

    /// <summary>Accepts the next connection and returns the client's address as this side sees it.</summary>
    public async Task<EndPoint> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(s_acceptTimeout);
        using Socket accepted = await _listener.AcceptSocketAsync(timeout.Token);
        return accepted.RemoteEndPoint!;
    }

    /// <summary>
    /// A loopback address nothing listens on: bind port 0, note the port, close. A connect to it is
    /// refused at once, which is what a crashed upstream looks like.
    /// </summary>
    public static IPEndPoint ClosedAddress()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    public void Dispose() => _listener.Stop();
}
