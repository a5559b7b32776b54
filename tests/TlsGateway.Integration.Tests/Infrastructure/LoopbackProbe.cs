using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>Whether something accepts TCP connections on 127.0.0.1:PORT right now (one connect, closed at once).</summary>
public static class LoopbackProbe
{
    public static bool Accepts(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
