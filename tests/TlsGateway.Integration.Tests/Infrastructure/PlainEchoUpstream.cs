using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A plaintext TCP service for the edge to forward to. By default it reads one line, answers
/// NAME + ":" + the line and closes; in streaming mode it echoes every chunk as it comes, with the
/// same prefix, until the edge closes (for long-lived connections). An empty name echoes verbatim.
/// </summary>
public sealed class PlainEchoUpstream : LoopbackServer
{
    private readonly string _name;
    private readonly bool _streaming;

    public PlainEchoUpstream(string name = "upstream", bool streaming = false)
    {
        _name = name;
        _streaming = streaming;
        Start();
    }

    protected override Task ServeAsync(Socket client) => _streaming ? StreamAsync(client, _name) : ServeOneLineAsync(client, _name);

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
                    await client.SendAsync(Encoding.ASCII.GetBytes(Prefix(name) + Encoding.ASCII.GetString(buffer, 0, n)), SocketFlags.None);
                }

                client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The edge went away mid-test; the test itself reports what matters.
            }
        }
    }

    private static async Task ServeOneLineAsync(Socket client, string name)
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

                await client.SendAsync(Encoding.ASCII.GetBytes(Prefix(name) + received), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The edge went away mid-test; the test itself reports what matters.
            }
        }
    }

    private static string Prefix(string name) => name.Length == 0 ? "" : name + ":";
}
