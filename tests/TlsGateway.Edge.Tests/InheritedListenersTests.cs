using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Edge.Tests;

public sealed class InheritedListenersTests
{
    private static Socket Listening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(4);
        return socket;
    }

    [Fact]
    public void A_socket_is_taken_by_its_address_once_with_its_ticket_keys()
    {
        using var inherited = new InheritedListeners();
        Socket socket = Listening();
        var address = (IPEndPoint)socket.LocalEndPoint!;
        inherited.Add(socket, [1, 2, 3]);

        Assert.True(inherited.TryTake(address, out Socket? taken, out byte[]? keys));
        Assert.Same(socket, taken);
        Assert.Equal([1, 2, 3], keys);
        Assert.False(inherited.TryTake(address, out _, out _));
        taken!.Dispose();
    }

    [Fact]
    public void An_address_nobody_handed_over_is_not_taken()
    {
        using var inherited = new InheritedListeners();
        inherited.Add(Listening(), null);

        Assert.False(inherited.TryTake(new IPEndPoint(IPAddress.Loopback, 1), out Socket? socket, out byte[]? keys));
        Assert.Null(socket);
        Assert.Null(keys);
    }

    [Fact]
    public void Disposing_closes_the_sockets_nobody_took_and_wipes_their_keys()
    {
        var inherited = new InheritedListeners();
        Socket socket = Listening();
        byte[] keys = [9, 9, 9];
        var address = (IPEndPoint)socket.LocalEndPoint!;
        inherited.Add(socket, keys);

        inherited.Dispose();

        Assert.Equal(new byte[3], keys);
        Assert.Throws<ObjectDisposedException>(() => socket.LocalEndPoint);
        Assert.False(inherited.TryTake(address, out _, out _));
    }

    [Fact]
    public void Two_sockets_claiming_one_address_are_refused()
    {
        using var inherited = new InheritedListeners();
        Socket socket = Listening();
        inherited.Add(socket, null);
        using var duplicate = new Socket(new SafeSocketHandle(checked((int)socket.Handle), ownsHandle: false));

        Assert.Throws<IOException>(() => inherited.Add(duplicate, null));
    }
}
