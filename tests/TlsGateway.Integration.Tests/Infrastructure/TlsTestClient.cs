using System.Net;
using System.Net.Sockets;
using System.Text;
using TlsGateway.Tls;

namespace TlsGateway.Integration.Tests.Infrastructure;

/// <summary>
/// A long-lived TLS client built on the engine's own client side (s_client cannot be steered
/// mid-connection): connects, verifies against the test root, then sends and reads lines.
/// </summary>
public sealed class TlsTestClient : IAsyncDisposable
{
    private readonly TlsClientContext _context;
    private readonly TlsSession _session;

    private TlsTestClient(TlsClientContext context, TlsSession session)
    {
        _context = context;
        _session = session;
    }

    public TlsConnection Connection => _session.Connection;

    /// <param name="caFile">The roots to verify the server against (default: the test PKI's ca.pem).</param>
    public static async Task<TlsTestClient> ConnectAsync(int port, string serverName, string? caFile = null)
    {
        byte[] roots = caFile is null ? TestPki.Instance.Read("ca.pem") : File.ReadAllBytes(caFile);
        var context = TlsClientContext.Create(new TlsClientOptions(TlsProfile.Default, roots));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            var session = new TlsSession(socket, context.CreateConnection(serverName));
            await session.HandshakeAsync(TimeSpan.FromSeconds(10));
            return new TlsTestClient(context, session);
        }
        catch
        {
            socket.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="line"/> and reads until the reply contains it (bounded), returning what came back.</summary>
    public async Task<string> ExchangeAsync(string line, TimeSpan? within = null)
    {
        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        await _session.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), limit.Token);
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        while (!reply.ToString().Contains(line, StringComparison.Ordinal))
        {
            int n = await _session.ReadAsync(buffer, limit.Token);
            if (n == 0)
            {
                break;
            }

            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return reply.ToString();
    }

    /// <summary>True once the server ended its stream with close_notify (not a bare FIN or a reset).</summary>
    public bool CloseNotifyReceived => _session.CloseNotifyReceived;

    /// <summary>Sends <paramref name="data"/> as is.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data) => _session.WriteAsync(data);

    /// <summary>Reads what has arrived into <paramref name="buffer"/>; 0 at the end of the stream.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _session.ReadAsync(buffer, cancellationToken);

    /// <summary>Sends close_notify and a FIN: the client is done sending and still reads (a half-close).</summary>
    public ValueTask ShutdownAsync() => _session.ShutdownAsync();

    /// <summary>Reads until the server ends the stream; returns the bytes read (bounded).</summary>
    public async Task<int> ReadToEndAsync(TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        int total = 0;
        int n;
        while ((n = await _session.ReadAsync(buffer, limit.Token)) > 0)
        {
            total += n;
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        _context.Dispose();
    }
}
