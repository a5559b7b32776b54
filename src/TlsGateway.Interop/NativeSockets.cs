using System.Net.Sockets;

namespace TlsGateway.Interop;

/// <summary>
/// What .NET's <see cref="Socket"/> cannot do: pass descriptors between processes (SCM_RIGHTS,
/// unix(7)) and close a shared listening socket without shutting it down for everyone.
/// </summary>
public static class NativeSockets
{
    /// <summary>The most descriptors one message carries (pal_sock.h).</summary>
    public const int MaxDescriptors = 64;

    /// <summary>
    /// Sends one message with <paramref name="descriptors"/> attached on a connected Unix socket
    /// (SOCK_SEQPACKET keeps the message whole). The caller keeps its descriptors open.
    /// </summary>
    public static void Send(Socket channel, ReadOnlySpan<byte> message, ReadOnlySpan<int> descriptors)
    {
        if (descriptors.Length > MaxDescriptors)
        {
            throw new ArgumentException($"at most {MaxDescriptors} descriptors per message", nameof(descriptors));
        }

        int sent = TlsGwNative.SockSendWithFds(Descriptor(channel), message, message.Length, descriptors, descriptors.Length);
        if (sent < 0)
        {
            throw new SocketException(-sent);
        }

        if (sent != message.Length)
        {
            throw new IOException($"sent {sent} of {message.Length} bytes of a hand-off message");
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/> and the descriptors that came with it,
    /// which the caller owns (they arrive close-on-exec). Returns the message length; 0 means the
    /// peer closed the channel.
    /// </summary>
    public static int Receive(Socket channel, Span<byte> buffer, out int[] descriptors)
    {
        Span<int> arrived = stackalloc int[MaxDescriptors];
        int length = TlsGwNative.SockReceiveWithFds(Descriptor(channel), buffer, buffer.Length, arrived, arrived.Length, out int count);
        if (length < 0)
        {
            throw new SocketException(-length);
        }

        descriptors = arrived[..count].ToArray();
        return length;
    }

    /// <summary>
    /// Sets or clears FD_CLOEXEC. To wake a call blocked on a socket, .NET shuts it down before
    /// closing it when the flag is set (tests/…/NativeSocketsTests shows it), and shutdown(2)
    /// reaches every process sharing the socket; a process closing its copy of a
    /// listening socket that another process now serves clears the flag first.
    /// </summary>
    public static void SetCloseOnExec(Socket socket, bool closeOnExec) => SetCloseOnExec(Descriptor(socket), closeOnExec);

    /// <inheritdoc cref="SetCloseOnExec(Socket, bool)"/>
    public static void SetCloseOnExec(int descriptor, bool closeOnExec)
    {
        int result = TlsGwNative.SockSetCloseOnExec(descriptor, closeOnExec ? 1 : 0);
        if (result < 0)
        {
            throw new SocketException(-result);
        }
    }

    /// <summary>
    /// Closes this process's descriptor of a listening socket and nothing more, so a process that
    /// shares the socket (a hot restart's new or old process) goes on accepting. For a socket
    /// nobody shares it is an ordinary close.
    /// </summary>
    public static void CloseOwnDescriptor(Socket socket)
    {
        try
        {
            SetCloseOnExec(socket, closeOnExec: false);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Already closed: there is nothing left to shut down.
        }

        socket.Dispose();
    }

    private static int Descriptor(Socket socket) => checked((int)socket.Handle);
}
