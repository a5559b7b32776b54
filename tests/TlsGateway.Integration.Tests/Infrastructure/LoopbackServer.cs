using System.Net;
using System.Net.Sockets;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A test server on 127.0.0.1:0: binds, accepts until disposed, and hands each connection to
/// <see cref="ServeAsync"/>. Derived classes call <see cref="Start"/> once their own fields are set.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Task _loop = Task.CompletedTask;
    private int _accepted;

    protected LoopbackServer()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(1024); // a burst of proxied connections while the test process is busy must not meet a full queue
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    protected void Start() => _loop = AcceptLoopAsync();

    /// <summary>Serves one connection; disposing the socket is the implementation's job.</summary>
    protected abstract Task ServeAsync(Socket client);

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

            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(client);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _loop;
        GC.SuppressFinalize(this);
    }
}
