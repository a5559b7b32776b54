using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// Loopback ports for servers started as child processes (in-process servers bind port 0 instead).
/// </summary>
/// <remarks>
/// Ports come from below the kernel's ephemeral range (32768–60999 on Linux), picked at random
/// and never handed out twice by this process. A port the kernel picks for port 0 is an
/// ephemeral one: between this check and the child's bind, any outgoing connection of the
/// machine — and the suite runs several test assemblies at once — may take it as its source
/// port, and the child then fails to bind.
/// </remarks>
public static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_000;

    private static readonly HashSet<int> s_handedOut = [];

    public static int Next()
    {
        lock (s_handedOut)
        {
            for (int attempt = 0; attempt < 1_000; attempt++)
            {
                int port = Random.Shared.Next(First, Last);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
