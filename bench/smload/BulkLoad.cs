using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Bench.ShangMi;

/// <summary>
/// `bulk`: <see cref="LoadOptions.Connections"/> connections, each uploading
/// <see cref="LoadOptions.Bytes"/> bytes of plaintext through the edge to the sink after a
/// "bulk N" line; the sink answers "done" once it has them all, so the clock stops when the
/// last byte has crossed the edge, not when it left this process's socket buffers. Handshakes
/// are outside the clock: MB/s is SM4-GCM record decryption and forwarding only.
/// </summary>
internal static class BulkLoad
{
    // Plaintext handed to the TLS writer per call: four full records (RFC 8446 §5.1: 2^14 each).
    private const int ChunkSize = 64 * 1024;

    public static async Task<IReadOnlyDictionary<string, string>> RunAsync(LoadOptions options, ManagedClientOptions client)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, options.Port);
        var sessions = new List<ManagedTlsSession>();
        using var limit = new CancellationTokenSource(options.Timeout);
        int failed = 0;
        string? firstError = null;
        try
        {
            for (int i = 0; i < options.Connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                var session = new ManagedTlsSession(socket, ManagedTlsConnection.CreateClient(client));
                sessions.Add(session);
                await socket.ConnectAsync(endpoint, limit.Token);
                await session.HandshakeAsync(ReadOnlyMemory<byte>.Empty, options.Timeout, limit.Token);
            }

            byte[] payload = new byte[ChunkSize];
            Random.Shared.NextBytes(payload);
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            bool[] done = await Task.WhenAll(sessions.Select(s => UploadAsync(s, options.Bytes, payload, limit.Token)));
            double seconds = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            failed = done.Count(ok => !ok);
            if (failed > 0)
            {
                firstError = "the sink did not confirm every byte";
            }

            long bytes = options.Bytes * (options.Connections - failed);
            ManagedTlsConnection first = sessions[0].Connection;
            return new Dictionary<string, string>
            {
                ["bytes"] = bytes.ToString(CultureInfo.InvariantCulture),
                ["connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
                ["failed"] = failed.ToString(CultureInfo.InvariantCulture),
                ["seconds"] = seconds.ToString("F3", CultureInfo.InvariantCulture),
                ["mbps"] = (bytes / 1e6 / seconds).ToString("F1", CultureInfo.InvariantCulture),
                ["client_cpu_seconds"] = cpu.ToString("F3", CultureInfo.InvariantCulture),
                ["negotiated"] = $"{first.CipherSuite?.Name},{first.Group},{first.PeerSignatureScheme}",
                ["first_error"] = firstError ?? "none",
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Dictionary<string, string>
            {
                ["bytes"] = "0",
                ["failed"] = options.Connections.ToString(CultureInfo.InvariantCulture),
                ["mbps"] = "ERR",
                ["first_error"] = $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" "),
            };
        }
        finally
        {
            foreach (ManagedTlsSession session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    private static async Task<bool> UploadAsync(ManagedTlsSession session, long bytes, byte[] payload, CancellationToken cancel)
    {
        try
        {
            await session.WriteAsync(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"bulk {bytes}\n")), cancel);
            for (long left = bytes; left > 0; left -= ChunkSize)
            {
                await session.WriteAsync(payload.AsMemory(0, (int)Math.Min(ChunkSize, left)), cancel);
            }

            byte[] reply = new byte[64];
            int have = 0;
            while (have < reply.Length)
            {
                int n = await session.ReadAsync(reply.AsMemory(have), cancel);
                if (n == 0)
                {
                    break;
                }

                have += n;
                if (reply.AsSpan(0, have).IndexOf((byte)'\n') >= 0)
                {
                    break;
                }
            }

            bool ok = reply.AsSpan(0, have).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"done {bytes}\n")));
            await session.ShutdownAsync(cancel);
            return ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"sm-load: upload failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }
}
