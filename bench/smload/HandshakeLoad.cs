using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TlsGateway.Tls.ShangMi;

namespace TlsGateway.Bench.ShangMi;

/// <summary>
/// `handshakes`: <see cref="LoadOptions.Concurrency"/> workers, each opening one connection after
/// another until the load time is up: handshake, one request line, the sink's "ok", close_notify.
/// With <see cref="LoadOptions.Resume"/> each connection offers the ticket the previous one got
/// (RFC 8446 §4.6.1; the edge issues a fresh one on every resumed connection too), so after each
/// worker's first connection every handshake should be a resumption; the share that really
/// resumed is reported, so a run that silently fell back to full handshakes shows.
/// </summary>
internal static class HandshakeLoad
{
    private static readonly byte[] s_request = "ping\n"u8.ToArray();

    public static async Task<IReadOnlyDictionary<string, string>> RunAsync(LoadOptions options, ManagedClientOptions client)
    {
        var tally = new Tally();
        var endpoint = new IPEndPoint(IPAddress.Loopback, options.Port);
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long stopAt = (long)(options.Seconds * (double)Stopwatch.Frequency);
        Task[] workers = [.. Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(() => WorkerAsync(endpoint, options, client, clock, stopAt, tally)))];
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var figures = new Dictionary<string, string>
        {
            ["completed"] = tally.Completed.ToString(CultureInfo.InvariantCulture),
            ["failed"] = tally.Failed.ToString(CultureInfo.InvariantCulture),
            ["resumed"] = tally.Resumed.ToString(CultureInfo.InvariantCulture),
            ["seconds"] = seconds.ToString("F3", CultureInfo.InvariantCulture),
            ["rate"] = (tally.Completed / seconds).ToString("F1", CultureInfo.InvariantCulture),
            ["client_cpu_seconds"] = cpu.ToString("F3", CultureInfo.InvariantCulture),
            ["negotiated"] = tally.Negotiated ?? "none",
            ["first_error"] = tally.FirstError ?? "none",
        };
        return figures;
    }

    private static async Task WorkerAsync(IPEndPoint endpoint, LoadOptions options, ManagedClientOptions client, Stopwatch clock, long stopAt, Tally tally)
    {
        ManagedClientSession? ticket = null;
        byte[] buffer = new byte[4096];
        try
        {
            while (clock.ElapsedTicks < stopAt)
            {
                ManagedClientSession? offered = options.Resume ? ticket : null;
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                var session = new ManagedTlsSession(socket, ManagedTlsConnection.CreateClient(client with { Session = offered }));
                using var limit = new CancellationTokenSource(options.Timeout);
                try
                {
                    await socket.ConnectAsync(endpoint, limit.Token);
                    await session.HandshakeAsync(ReadOnlyMemory<byte>.Empty, options.Timeout, limit.Token);
                    await session.WriteAsync(s_request, limit.Token);
                    if (!await ReadReplyAsync(session, buffer, limit.Token))
                    {
                        tally.Fail("the connection ended before the upstream's reply");
                        continue;
                    }

                    ManagedTlsConnection connection = session.Connection;
                    tally.Complete(connection.Resumed,
                        $"{connection.CipherSuite?.Name},{connection.Group},{(connection.Resumed ? "psk" : connection.PeerSignatureScheme?.ToString())}");
                    if (options.Resume && connection.TakeSession() is { } fresh)
                    {
                        ticket = fresh; // the offered one is disposed below, once its connection is
                    }

                    await session.ShutdownAsync(limit.Token);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    tally.Fail($"{e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    await session.DisposeAsync();
                    if (offered is not null && !ReferenceEquals(offered, ticket))
                    {
                        offered.Dispose();
                    }
                }
            }
        }
        finally
        {
            ticket?.Dispose();
        }
    }

    // Reads until the sink's "ok\n" (the request went through the edge and back) or the end.
    private static async Task<bool> ReadReplyAsync(ManagedTlsSession session, byte[] buffer, CancellationToken cancel)
    {
        int have = 0;
        while (have < buffer.Length)
        {
            int n = await session.ReadAsync(buffer.AsMemory(have), cancel);
            if (n == 0)
            {
                return false;
            }

            have += n;
            if (buffer.AsSpan(0, have).IndexOf((byte)'\n') >= 0)
            {
                return buffer.AsSpan(0, have).StartsWith("ok\n"u8);
            }
        }

        return false;
    }

    private sealed class Tally
    {
        private readonly object _gate = new();

        public int Completed { get; private set; }

        public int Resumed { get; private set; }

        public int Failed { get; private set; }

        public string? FirstError { get; private set; }

        public string? Negotiated { get; private set; }

        public void Complete(bool resumed, string negotiated)
        {
            lock (_gate)
            {
                Completed++;
                Resumed += resumed ? 1 : 0;
                Negotiated ??= negotiated;
                if (!resumed && Negotiated != negotiated && !Negotiated.Contains(negotiated, StringComparison.Ordinal))
                {
                    Negotiated += "|" + negotiated; // should never happen: one suite, one group offered
                }
            }
        }

        public void Fail(string reason)
        {
            lock (_gate)
            {
                Failed++;
                FirstError ??= reason.ReplaceLineEndings(" ");
            }
        }
    }
}
