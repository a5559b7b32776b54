using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// A test-only TCP pump for a managed client connection: connects to a loopback port, completes the
/// handshake, writes one line, reads until the answer <paramref name="expected"/> (or the end)
/// arrives, then closes with close_notify. Every wait is bounded. Returns the connection (to be
/// disposed by the caller) and the plaintext received.
/// </summary>
public static class LoopbackTlsClient
{
    public static async Task<(ManagedTlsConnection Connection, string Received)> RunAsync(int port, ManagedClientOptions options,
        string line, string expected, TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancel.Token);
        var connection = ManagedTlsConnection.CreateClient(options);
        var received = new StringBuilder();
        bool written = false;
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                await FlushAsync(socket, connection, cancel.Token);
                if (connection.IsEnded || received.ToString().Contains(expected, StringComparison.Ordinal))
                {
                    break;
                }

                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
                if (read == 0)
                {
                    break;
                }

                connection.Feed(buffer.AsSpan(0, read));
                received.Append(Encoding.UTF8.GetString(connection.TakeReceivedPlaintext()));
                if (connection.IsHandshakeComplete && !written && !connection.IsWriteClosed)
                {
                    connection.Write(Encoding.UTF8.GetBytes(line + "\n"));
                    written = true;
                }
            }

            if (!connection.IsWriteClosed)
            {
                connection.Close();
                await FlushAsync(socket, connection, cancel.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // the peer went away or the time ran out: the caller asserts on what the connection saw
        }

        return (connection, received.ToString());
    }

    private static async Task FlushAsync(Socket socket, ManagedTlsConnection connection, CancellationToken cancel)
    {
        byte[] output = connection.TakePendingOutput();
        if (output.Length > 0)
        {
            await socket.SendAsync(output, SocketFlags.None, cancel);
        }
    }
}
