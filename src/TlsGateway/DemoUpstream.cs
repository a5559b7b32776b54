using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Edge;

namespace TlsGateway.Host;

/// <summary>
/// The plaintext service `tlsgw up` puts behind the edge so the first curl has something to
/// reach: it reads the edge's PROXY v2 header, then answers one HTTP/1.1 request with an echo of
/// the request and of what the edge said about the client (address, TLS version, cipher, SNI,
/// ALPN, SPIFFE ID). Not a web server: one request per connection, headers only.
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
            var buffer = new byte[16 * 1024];
            int used = 0;
            try
            {
                ProxyProtocolV2Header? proxy = null;
                int headerEnd = -1;
                while (headerEnd < 0 && used < buffer.Length)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(used), SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    used += n;
                    int offset = 0;
                    if (proxy is null && buffer[0] == ProxyProtocolV2.Signature[0])
                    {
                        proxy = ProxyProtocolV2Header.TryParse(buffer.AsSpan(0, used));
                        if (proxy is null)
                        {
                            continue;
                        }
                    }

                    offset = proxy?.Length ?? 0;
                    int end = buffer.AsSpan(offset, used - offset).IndexOf("\r\n\r\n"u8);
                    headerEnd = end < 0 ? -1 : offset + end + 4;
                }

                int start = proxy?.Length ?? 0;
                string request = headerEnd < 0 ? "" : Encoding.ASCII.GetString(buffer, start, headerEnd - start);
                await client.SendAsync(Encoding.UTF8.GetBytes(Render(request, proxy)), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or FormatException)
            {
                // A client that left or sent something that is not PROXY v2 + HTTP gets nothing more.
            }
        }
    }

    private static string Render(string request, ProxyProtocolV2Header? proxy)
    {
        var body = new StringBuilder();
        body.AppendLine("Hello from the TlsGateway demo upstream: this reached you through TLS terminated by tlsgw.");
        if (proxy is not null)
        {
            (string? version, string? cipher) = proxy.Ssl;
            body.AppendLine($"client: {proxy.Source}");
            body.AppendLine($"tls: {version} {cipher}");
            body.AppendLine($"sni: {proxy.Authority ?? "(none)"}");
            body.AppendLine($"alpn: {proxy.Alpn ?? "(none)"}");
            body.AppendLine($"spiffe-id: {proxy.SpiffeId ?? "(no client certificate)"}");
        }

        body.AppendLine();
        body.Append(request);
        string text = body.ToString();
        return $"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(text)}\r\nConnection: close\r\n\r\n{text}";
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
