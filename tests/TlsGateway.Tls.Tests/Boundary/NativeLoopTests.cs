using System.Net;
using System.Net.Sockets;
using TlsGateway.Interop;

namespace TlsGateway.Tls.Tests.Boundary;

/// <summary>
/// The system calls of the edge's event loops (pal_loop.c) on real loopback sockets: addresses
/// both ways, accept and connect, readiness through epoll, and what a peek reports for each state
/// of a connection (the edge's test for a client gone after its handshake).
/// </summary>
public sealed class NativeLoopTests
{
    [Theory]
    [InlineData("127.0.0.1", 443)]
    [InlineData("10.1.2.3", 65535)]
    [InlineData("::1", 8443)]
    [InlineData("fe80::1%2", 1)]
    public void An_endpoint_survives_the_trip_through_a_sockaddr(string address, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), port);
        Span<byte> sockaddr = stackalloc byte[NativeLoop.AddressCapacity];

        int length = NativeLoop.Encode(endpoint, sockaddr);

        Assert.Equal(endpoint.AddressFamily == AddressFamily.InterNetwork ? 16 : 28, length);
        Assert.Equal(endpoint, NativeLoop.Decode(sockaddr[..length]));
    }

    [Fact]
    public void A_sockaddr_of_another_family_or_too_short_decodes_to_nothing()
    {
        Assert.Null(NativeLoop.Decode([1, 0, 0, 0]));                // AF_UNIX
        Assert.Null(NativeLoop.Decode([2, 0, 1, 187, 127, 0]));      // AF_INET, cut short
        Assert.Null(NativeLoop.Decode([]));
    }

    [Fact]
    public void A_connection_made_and_accepted_through_the_loop_calls_carries_bytes_and_reports_each_state_on_a_peek()
    {
        using Socket listener = ListenOnLoopback(blocking: false);
        int epoll = NativeLoop.Create();
        int client = -1;
        int server = -1;
        try
        {
            int result = NativeLoop.Connect((IPEndPoint)listener.LocalEndPoint!, out client);
            Assert.True(result is 0 or NativeLoop.InProgress, $"connect: {NativeLoop.Describe(result)}");
            NativeLoop.Add(epoll, client, NativeLoop.Writable | NativeLoop.EdgeTriggered, 42);
            Assert.Equal(42UL, WaitForOne(epoll).Data);
            Assert.Equal(0, NativeLoop.SocketError(client));

            Span<byte> address = stackalloc byte[NativeLoop.AddressCapacity];
            server = AcceptOne(checked((int)listener.Handle), address, out int length);
            Assert.Equal(NativeLoop.LocalEndPoint(client), NativeLoop.Decode(address[..length]));

            Assert.Equal(NativeLoop.Again, NativeLoop.Peek(server));    // empty
            Assert.Equal(5, NativeLoop.Send(client, "hello"u8));
            Thread.Sleep(50);
            Assert.Equal(1, NativeLoop.Peek(server));                   // bytes wait, and stay
            byte[] buffer = new byte[16];
            Assert.Equal(5, NativeLoop.Receive(server, buffer));
            Assert.Equal("hello"u8.ToArray(), buffer[..5]);
            Assert.Equal(NativeLoop.Again, NativeLoop.Receive(server, buffer));

            Assert.Equal(0, NativeLoop.ShutdownSend(client));
            Thread.Sleep(50);
            Assert.Equal(0, NativeLoop.Peek(server));                   // the end of the stream
            Assert.Equal(0, NativeLoop.Receive(server, buffer));
        }
        finally
        {
            CloseAll(epoll, client, server);
        }
    }

    [Fact]
    public void A_reset_is_an_error_code_on_a_peek_and_on_a_send_after_it()
    {
        using Socket listener = ListenOnLoopback(blocking: false);
        int server = -1;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(listener.LocalEndPoint!);
            Span<byte> address = stackalloc byte[NativeLoop.AddressCapacity];
            server = AcceptOne(checked((int)listener.Handle), address, out _);
            client.LingerState = new LingerOption(true, 0);
            client.Close(); // RST
            Thread.Sleep(50);

            Assert.Equal(NativeLoop.ConnectionReset, NativeLoop.Peek(server));
            int sent = NativeLoop.Send(server, "late"u8);
            Assert.True(sent < 0 && sent != NativeLoop.Again, $"a send to a reset peer returned {sent}");
        }
        finally
        {
            CloseAll(-1, -1, server);
        }
    }

    [Fact]
    public void A_connect_to_a_port_nobody_listens_on_fails_with_the_systems_reason()
    {
        int port;
        using (Socket probe = ListenOnLoopback(blocking: true))
        {
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        int epoll = NativeLoop.Create();
        int fd = -1;
        try
        {
            int result = NativeLoop.Connect(new IPEndPoint(IPAddress.Loopback, port), out fd);
            if (result == NativeLoop.InProgress)
            {
                NativeLoop.Add(epoll, fd, NativeLoop.Writable | NativeLoop.EdgeTriggered, 1);
                WaitForOne(epoll);
                result = -NativeLoop.SocketError(fd);
            }

            Assert.Equal("Connection refused", NativeLoop.Describe(result));
        }
        finally
        {
            CloseAll(epoll, fd, -1);
        }
    }

    private static Socket ListenOnLoopback(bool blocking)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        socket.Blocking = blocking;
        return socket;
    }

    // Accepts the one client queued (bounded: 5 s).
    private static int AcceptOne(int listener, Span<byte> address, out int length)
    {
        long until = Environment.TickCount64 + 5000;
        while (true)
        {
            int fd = NativeLoop.Accept(listener, address, out length);
            if (fd >= 0)
            {
                return fd;
            }

            Assert.Equal(NativeLoop.Again, fd);
            Assert.True(Environment.TickCount64 < until, "no client arrived");
            Thread.Sleep(10);
        }
    }

    private static LoopEvent WaitForOne(int epoll)
    {
        var events = new LoopEvent[4];
        int count = NativeLoop.Wait(epoll, events, 5000);
        Assert.Equal(1, count);
        return events[0];
    }

    private static void CloseAll(params int[] descriptors)
    {
        foreach (int fd in descriptors)
        {
            if (fd >= 0)
            {
                NativeLoop.Close(fd);
            }
        }
    }
}
