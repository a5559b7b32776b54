using System.Net;
using System.Net.Sockets;
using TlsGateway.Interop;

namespace TlsGateway.Tls.Tests.Boundary;

/// <summary>
/// The descriptor passing hot restart is built on (pal_sock.c), between two sockets of this
/// process: what one side sends is the same kernel socket on the other side.
/// </summary>
public sealed class NativeSocketsTests
{
    private static (Socket Sender, Socket Receiver) SeqPacketPair(TempDirectory directory)
    {
        string path = Path.Combine(directory.Path, "pair.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        sender.Connect(new UnixDomainSocketEndPoint(path));
        return (sender, listener.Accept());
    }

    private static Socket ListenOnLoopback()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        return socket;
    }

    private static Socket Receive(Socket receiver, out string message)
    {
        byte[] buffer = new byte[256];
        int length = NativeSockets.Receive(receiver, buffer, out int[] descriptors);
        message = System.Text.Encoding.ASCII.GetString(buffer, 0, length);
        Assert.Single(descriptors);
        return new Socket(new SafeSocketHandle(descriptors[0], ownsHandle: true));
    }

    // A listening socket and the copy of it that arrived through a message.
    private static (Socket Original, Socket Copy) SharedListener(string message = "x")
    {
        using var directory = new TempDirectory();
        (Socket sender, Socket receiver) = SeqPacketPair(directory);
        using (sender)
        using (receiver)
        {
            Socket original = ListenOnLoopback();
            NativeSockets.Send(sender, System.Text.Encoding.ASCII.GetBytes(message), [checked((int)original.Handle)]);
            Socket copy = Receive(receiver, out string arrived);
            Assert.Equal(message, arrived);
            return (original, copy);
        }
    }

    private static bool Accepts(Socket listening)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(listening.LocalEndPoint!);
        }
        catch (SocketException)
        {
            return false; // refused: the socket was shut down
        }

        listening.Blocking = false;
        try
        {
            // The connection is queued on the one kernel socket: either copy can accept it.
            for (int i = 0; i < 50; i++)
            {
                try
                {
                    using Socket accepted = listening.Accept();
                    return true;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    Thread.Sleep(20);
                }
            }

            return false;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listening.Blocking = true;
        }
    }

    [Fact]
    public void A_listening_socket_sent_with_a_message_arrives_as_the_same_socket()
    {
        (Socket original, Socket copy) = SharedListener("edge public");
        using (original)
        using (copy)
        {
            Assert.Equal(original.LocalEndPoint, copy.LocalEndPoint);
            Assert.True(Accepts(copy));
        }
    }

    [Fact]
    public void Closing_a_copy_without_close_on_exec_leaves_the_other_copy_accepting()
    {
        (Socket original, Socket copy) = SharedListener();
        using (original)
        {
            NativeSockets.CloseOwnDescriptor(copy);

            Assert.True(Accepts(original));
        }
    }

    [Fact]
    public async Task Disposing_a_close_on_exec_copy_during_a_blocking_accept_shuts_the_shared_socket_down_for_every_holder()
    {
        // Why CloseOwnDescriptor exists: to wake a call blocked on the socket, .NET's close does
        // shutdown(2) first, and the original, still open here, stops accepting (refuses). Async
        // accepts are woken without it; a blocking one anywhere in the process is enough.
        (Socket original, Socket copy) = SharedListener();
        using (original)
        {
            Task<Socket> pending = Task.Factory.StartNew(() => copy.Accept(), TaskCreationOptions.LongRunning);
            await Task.Delay(200); // the accept blocks in the kernel now

            copy.Dispose();

            await Assert.ThrowsAnyAsync<Exception>(() => pending);
            Assert.False(Accepts(original));
        }
    }

    [Fact]
    public void A_message_without_descriptors_arrives_alone_and_an_empty_read_means_the_peer_closed()
    {
        using var directory = new TempDirectory();
        (Socket sender, Socket receiver) = SeqPacketPair(directory);
        using (receiver)
        {
            NativeSockets.Send(sender, "hello"u8, []);
            byte[] buffer = new byte[64];
            Assert.Equal(5, NativeSockets.Receive(receiver, buffer, out int[] none));
            Assert.Empty(none);

            sender.Dispose();
            Assert.Equal(0, NativeSockets.Receive(receiver, buffer, out _));
        }
    }

    [Fact]
    public void Too_many_descriptors_for_one_message_are_refused_before_anything_is_sent()
    {
        using var directory = new TempDirectory();
        (Socket sender, Socket receiver) = SeqPacketPair(directory);
        using (sender)
        using (receiver)
        {
            int[] tooMany = Enumerable.Repeat(checked((int)sender.Handle), NativeSockets.MaxDescriptors + 1).ToArray();
            Assert.Throws<ArgumentException>(() => NativeSockets.Send(sender, "x"u8, tooMany));
            Assert.Equal(0, receiver.Available);
        }
    }
}
