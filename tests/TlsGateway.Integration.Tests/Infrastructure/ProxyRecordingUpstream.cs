using System.Collections.Concurrent;
using System.Net.Sockets;
using TlsGateway.Edge;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>An upstream that expects a PROXY v2 header first: it records the parsed header, then answers "proxied" and closes.</summary>
public sealed class ProxyRecordingUpstream : LoopbackServer
{
    public ProxyRecordingUpstream()
    {
        Start();
    }

    public ConcurrentQueue<ProxyProtocolV2Header> Headers { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    protected override async Task ServeAsync(Socket client)
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
}
