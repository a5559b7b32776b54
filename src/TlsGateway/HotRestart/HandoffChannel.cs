using System.Net.Sockets;
using System.Security.Cryptography;
using TlsGateway.Interop;

namespace TlsGateway.Host.HotRestart;

/// <summary>
/// The hot-restart conversation's transport: a Unix SOCK_SEQPACKET connection (each message
/// arrives whole, descriptors attached) with a deadline on every receive.
/// </summary>
internal sealed class HandoffChannel : IDisposable
{
    private readonly Socket _socket;

    public HandoffChannel(Socket socket)
    {
        _socket = socket;
    }

    public Socket Socket => _socket;

    public static HandoffChannel Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return new HandoffChannel(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Send(HandoffMessage message, ReadOnlySpan<int> descriptors = default)
    {
        byte[] encoded = message.Encode();
        try
        {
            NativeSockets.Send(_socket, encoded, descriptors);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(encoded);
        }
    }

    /// <summary>
    /// The next message and the descriptors that came with it (the caller owns them). Throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/> and <see cref="IOException"/>
    /// when the peer hung up or sent something that is not a message.
    /// </summary>
    public (HandoffMessage Message, int[] Descriptors) Receive(TimeSpan timeout)
    {
        if (!_socket.Poll(timeout, SelectMode.SelectRead))
        {
            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s");
        }

        byte[] buffer = new byte[HandoffMessage.MaxLength];
        int[] descriptors = [];
        try
        {
            int length = NativeSockets.Receive(_socket, buffer, out descriptors);
            if (length == 0)
            {
                throw new IOException("the other process closed the connection");
            }

            return (HandoffMessage.Decode(buffer.AsSpan(0, length)), descriptors);
        }
        catch
        {
            CloseAll(descriptors);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Closes received descriptors nobody took, without shutting the sockets down (the sender still serves on them).</summary>
    public static void CloseAll(IEnumerable<int> descriptors)
    {
        foreach (int descriptor in descriptors)
        {
            NativeSockets.CloseOwnDescriptor(new Socket(new SafeSocketHandle(descriptor, ownsHandle: true)));
        }
    }

    public void Dispose() => _socket.Dispose();
}
