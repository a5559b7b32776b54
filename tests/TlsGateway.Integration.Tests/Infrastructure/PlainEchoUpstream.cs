using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>A plaintext TCP service for the edge to forward to: reads one line, answers "upstream:" + the line, closes.</summary>
public sealed class PlainEchoUpstream : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Task _loop;

    public PlainEchoUpstream()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(64);
        _loop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}";

    public int Accepted;

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref Accepted);
            _ = ServeAsync(client);
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            try
            {
                while (!received.ToString().Contains('\n') && received.Length < 65536)
                {
                    int n = await client.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        break;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                await client.SendAsync(Encoding.ASCII.GetBytes("upstream:" + received), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The edge went away mid-test; the test itself reports what matters.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _loop;
    }
}
