using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>Loopback ports for servers started as child processes (in-process servers bind port 0 instead).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
