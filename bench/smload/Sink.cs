using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Bench.ShangMi;

/// <summary>
/// `sink`: the plaintext upstream. Per connection it reads one line: "bulk N" makes it read and
/// discard N more bytes and answer "done N"; anything else is answered "ok". Then it reads to the
/// end and closes. Every connection is bounded by the timeout, the whole sink by its lifetime.
/// </summary>
internal static class Sink
{
    private const int BufferSize = 256 * 1024;
    private const int MaxLineLength = 4096;

    public static async Task RunAsync(int port, TimeSpan lifetime, TimeSpan perConnection)
    {
        using var stop = new CancellationTokenSource(lifetime);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.Error.WriteLine($"sm-load: sink listening on 127.0.0.1:{port}");
        try
        {
            while (true)
            {
                Socket socket = await listener.AcceptAsync(stop.Token);
                _ = Task.Run(() => ServeAsync(socket, perConnection));
            }
        }
        catch (OperationCanceledException)
        {
            // lifetime over
        }
    }

    private static async Task ServeAsync(Socket socket, TimeSpan perConnection)
    {
        using var limit = new CancellationTokenSource(perConnection);
        byte[] buffer = new byte[BufferSize];
        try
        {
            socket.NoDelay = true;
            // The first line may arrive with the start of the upload behind it in the same read.
            int have = 0;
            int newline;
            while ((newline = buffer.AsSpan(0, have).IndexOf((byte)'\n')) < 0)
            {
                if (have >= MaxLineLength)
                {
                    return;
                }

                int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, limit.Token);
                if (n == 0)
                {
                    return;
                }

                have += n;
            }

            ReadOnlySpan<byte> line = buffer.AsSpan(0, newline);
            long left = 0;
            bool bulk = line.StartsWith("bulk "u8) && Utf8Parser.TryParse(line[5..], out left, out int used) && used == line.Length - 5;
            byte[] reply = Encoding.ASCII.GetBytes(bulk ? $"done {left}\n" : "ok\n");
            if (bulk)
            {
                left -= have - newline - 1;
                while (left > 0)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    left -= n;
                }
            }

            await socket.SendAsync(reply, SocketFlags.None, limit.Token);
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // the client or the edge went away, or the connection ran out of time
        }
        finally
        {
            socket.Dispose();
        }
    }
}
