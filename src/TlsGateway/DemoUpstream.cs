using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Host;

/// <summary>
/// The plaintext service `tlsgw up` puts behind the edge so the first curl has something to
/// reach: answers every HTTP/1.1 request with a short text page. Not a web server.
/// </summary>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private Socket? _socket;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket!.LocalEndPoint!;

    public void Start(IPEndPoint endpoint)
    {
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _socket.Bind(endpoint);
            _socket.Listen(128);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot listen on {endpoint} (demo upstream): {e.Message}", e);
        }

        _loop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                Socket client = await _socket!.AcceptAsync(_stopping.Token);
                _ = ServeAsync(client);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[8192];
            int used = 0;
            try
            {
                while (used < buffer.Length)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(used), SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    used += n;
                    if (buffer.AsSpan(0, used).IndexOf("\r\n\r\n"u8) >= 0)
                    {
                        break;
                    }
                }

                const string body = "Hello from the TlsGateway demo upstream: this reached you through TLS terminated by tlsgw.\n";
                string response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The client left; nothing to do.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _socket?.Dispose();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
    }
}
