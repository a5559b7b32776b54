using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// An upstream on a fixed loopback port that the test switches between three states: serving
/// (reads one line, answers NAME:line, as <see cref="PlainEchoUpstream"/>), refusing (nothing
/// listens: connects are reset at once) and black-holed (a listener whose accept queue is full and
/// not drained: the kernel drops new SYNs, so connects hang until the caller's timeout — a host
/// that stopped answering). A connect that reaches the queue before it is full is answered when
/// the endpoint serves again, late, never dropped.
/// </summary>
public sealed class FlappingUpstream : IAsyncDisposable
{
    private readonly string _name;
    private readonly Lock _lock = new();
    private readonly List<Socket> _queued = [];
    private Socket? _listener;
    private int _served;

    public FlappingUpstream(string name)
    {
        _name = name;
        Port = FreePort.Next();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Connections answered so far.</summary>
    public int Served => Volatile.Read(ref _served);

    public void Serve()
    {
        lock (_lock)
        {
            if (_listener is not null && _queued.Count > 0)
            {
                // Out of the black hole on the same socket: a connect that slipped into the queue
                // before the fillers had filled it is answered now, late, as a slow host would.
                _queued.ForEach(s => s.Dispose());
                _queued.Clear();
                _listener.Listen(64);
                _ = AcceptLoopAsync(_listener);
                return;
            }

            CloseCurrent();
            Socket listener = Bind(64);
            _listener = listener;
            _ = AcceptLoopAsync(listener);
        }
    }

    public void Refuse()
    {
        lock (_lock)
        {
            CloseCurrent();
        }
    }

    public async Task BlackholeAsync()
    {
        Socket listener;
        lock (_lock)
        {
            CloseCurrent();
            listener = Bind(1);
            _listener = listener;
        }

        // Fill the accept queue (backlog 1 holds two); later SYNs are dropped. Each filler is bounded.
        for (int i = 0; i < 3; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_lock)
            {
                _queued.Add(filler);
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await filler.ConnectAsync(IPAddress.Loopback, Port, limit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The queue is full: this filler is the proof.
            }
        }
    }

    private Socket Bind(int backlog)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        socket.Listen(backlog);
        return socket;
    }

    private void CloseCurrent()
    {
        _listener?.Dispose();
        _listener = null;
        _queued.ForEach(s => s.Dispose());
        _queued.Clear();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!received.ToString().Contains('\n') && received.Length < 65536)
                {
                    int n = await client.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                if (received.Length == 0)
                {
                    return; // one of our own fillers, closed: nothing was asked
                }

                await client.SendAsync(Encoding.ASCII.GetBytes(_name + ":" + received), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                Interlocked.Increment(ref _served);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The edge went away; the test counts what its clients saw.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Refuse();
        return ValueTask.CompletedTask;
    }
}
