using System.Net;
using System.Net.Sockets;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Tls.Tests.ShangMi.Handshake;

/// <summary>
/// A test-only TCP server for the sans-I/O <see cref="ManagedTlsConnection"/>: a loopback listener on
/// a free port that pumps bytes between each accepted socket and a fresh server connection, echoes
/// the first application data it receives and then closes with close_notify. Connections it has
/// finished with are kept for the test to inspect.
/// </summary>
public sealed class LoopbackTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ManagedServerOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public LoopbackTlsServer(ManagedServerOptions options, int connections = 1)
    {
        _options = options;
        _listener.Start();
        _serving = ServeAsync(connections);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public List<ManagedTlsConnection> Finished { get; } = [];

    /// <summary>Waits until every expected connection has ended and returns them.</summary>
    public async Task<List<ManagedTlsConnection>> WaitAsync(TimeSpan limit)
    {
        await _serving.WaitAsync(limit);
        return Finished;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped while waiting
        }

        foreach (ManagedTlsConnection connection in Finished)
        {
            connection.Dispose();
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(int connections)
    {
        for (int i = 0; i < connections; i++)
        {
            using Socket socket = await _listener.AcceptSocketAsync(_stop.Token);
            var connection = ManagedTlsConnection.CreateServer(_options);
            lock (Finished)
            {
                Finished.Add(connection);
            }

            await PumpAsync(socket, connection, _stop.Token);
        }
    }

    private static async Task PumpAsync(Socket socket, ManagedTlsConnection connection, CancellationToken cancel)
    {
        byte[] buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            }
            catch (SocketException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            connection.Feed(buffer.AsSpan(0, read));
            if (connection.ReceivedPlaintextLength > 0 && !connection.IsWriteClosed)
            {
                connection.Write(connection.TakeReceivedPlaintext());
                connection.Close();
            }
            else if (connection.PeerClosed && !connection.IsWriteClosed)
            {
                connection.Close();
            }

            if (!await FlushAsync(socket, connection, cancel) || (connection.IsEnded && connection.IsWriteClosed))
            {
                break;
            }
        }

        await FlushAsync(socket, connection, cancel);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // the peer is gone already
        }
    }

    private static async Task<bool> FlushAsync(Socket socket, ManagedTlsConnection connection, CancellationToken cancel)
    {
        byte[] output = connection.TakePendingOutput();
        try
        {
            if (output.Length > 0)
            {
                await socket.SendAsync(output, SocketFlags.None, cancel);
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
