using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A plaintext TCP service for the edge to forward to. By default it reads one line, answers
/// NAME + ":" + the line and closes; in streaming mode it echoes every chunk as it comes, with the
/// same prefix, until the edge closes (for long-lived connections).
/// </summary>
public sealed class PlainEchoUpstream : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Task _loop;
    private readonly string _name;
    private readonly bool _streaming;

    public PlainEchoUpstream(string name = "upstream", bool streaming = false)
    {
        _name = name;
        _streaming = streaming;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(64);
        _loop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{Port}";

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

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
            _ = _streaming ? StreamAsync(client, _name) : ServeAsync(client, _name);
        }
    }

    private static async Task StreamAsync(Socket client, string name)
    {
        using (client)
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await client.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    await client.SendAsync(Encoding.ASCII.GetBytes(name + ":" + Encoding.ASCII.GetString(buffer, 0, n)), SocketFlags.None);
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The edge went away mid-test; the test itself reports what matters.
            }
        }
    }

    private static async Task ServeAsync(Socket client, string name)
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

                await client.SendAsync(Encoding.ASCII.GetBytes(name + ":" + received), SocketFlags.None);
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
