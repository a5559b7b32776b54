using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Tls.Tests.Infrastructure;

/// <summary>Real TCP over 127.0.0.1 for tests of how sessions meet their peer's end (FIN, reset).</summary>
public static class LoopbackSockets
{
    /// <summary>A connected pair: the accepted end and the connecting end.</summary>
    public static async Task<(Socket Accepted, Socket Connecting)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        Socket accepted = await listener.AcceptAsync();
        return (accepted, connecting);
    }

    /// <summary>Closes with a reset (SO_LINGER 0) instead of a FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    /// <summary>Waits (bounded) until the socket has something to report: loopback packets still arrive asynchronously.</summary>
    public static async Task ArrivedAsync(Socket socket)
    {
        for (int i = 0; i < 200 && !socket.Poll(0, SelectMode.SelectRead); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(socket.Poll(0, SelectMode.SelectRead), "nothing arrived within 2 s");
    }
}
