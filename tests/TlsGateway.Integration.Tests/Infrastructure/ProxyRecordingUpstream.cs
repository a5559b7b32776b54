using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using TlsGateway.Edge;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>An upstream that expects a PROXY v2 header first: it records the parsed header, then answers "proxied" and closes.</summary>
public sealed class ProxyRecordingUpstream : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Task _loop;

    public ProxyRecordingUpstream()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(16);
        _loop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}";

    public ConcurrentQueue<ProxyProtocolV2Header> Headers { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

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

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[ProxyProtocolV2Header.MaxLength];
            int used = 0;
            try
            {
                ProxyProtocolV2Header? header = null;
                while (header is null)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(used), SocketFlags.None);
                    if (n == 0)
                    {
                        Errors.Enqueue("connection closed before a complete PROXY header");
                        return;
                    }

                    used += n;
                    header = ProxyProtocolV2Header.TryParse(buffer.AsSpan(0, used));
                }

                Headers.Enqueue(header);
                await client.SendAsync("proxied\n"u8.ToArray(), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (FormatException e)
            {
                Errors.Enqueue(e.Message);
            }
            catch (SocketException)
            {
                // The edge went away; the test reports what matters.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _loop;
    }
}
