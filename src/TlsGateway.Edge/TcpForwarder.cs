using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Forwards the plaintext of a TLS session to a TCP upstream and back. Each direction moves one
/// buffer at a time and waits for the other side to take it, so memory per connection is
/// bounded and a slow side slows its sender (backpressure). A FIN in one direction is passed on
/// as a half-close; the connection ends when both directions have ended.
/// </summary>
public sealed class TcpForwarder
{
    private const int BufferSize = 16 * 1024;

    private readonly EndPoint _upstream;
    private readonly TimeSpan _connectTimeout;
    private readonly ILogger _logger;

    public TcpForwarder(EndPoint upstream, TimeSpan connectTimeout, ILogger logger)
    {
        _upstream = upstream;
        _connectTimeout = connectTimeout;
        _logger = logger;
    }

    public async Task ForwardAsync(TlsSession session, CancellationToken cancellationToken)
    {
        using Socket upstream = new(_upstream.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : _upstream.AddressFamily,
            SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connect.CancelAfter(_connectTimeout);
            try
            {
                await upstream.ConnectAsync(_upstream, connect.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                EdgeLog.UpstreamConnectFailed(_logger, _upstream, e is OperationCanceledException ? "connect timed out" : e.Message);
                await session.ShutdownAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        Task toUpstream = ClientToUpstreamAsync(session, upstream, cancellationToken);
        Task toClient = UpstreamToClientAsync(upstream, session, cancellationToken);
        await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
    }

    private static async Task ClientToUpstreamAsync(TlsSession session, Socket upstream, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await session.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    upstream.Shutdown(SocketShutdown.Send);
                    return;
                }

                await upstream.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException)
        {
            // The client went away or broke the protocol: end the upstream side too.
            upstream.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task UpstreamToClientAsync(Socket upstream, TlsSession session, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await upstream.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    await session.ShutdownAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                await session.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException)
        {
            session.Socket.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
