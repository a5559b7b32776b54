using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TlsGateway.Tls;

namespace TlsGateway.Edge;

/// <summary>
/// Forwards the plaintext of a TLS session to one of a filter chain's upstream endpoints and
/// back. Each direction moves one buffer at a time and waits for the other side to take it, so
/// memory per connection is bounded and a slow side slows its sender (backpressure). A FIN in one
/// direction is passed on as a half-close; the connection ends when both directions have ended,
/// or when it stays silent past the idle timeout. Optionally the upstream first gets a PROXY v2
/// header with the client's address and TLS facts.
/// </summary>
public sealed class ChainForwarder
{
    private const int BufferSize = 16 * 1024;

    private readonly string _chain;
    private readonly UpstreamCluster _cluster;
    private readonly TimeSpan _idleTimeout;
    private readonly IdleSweeper _sweeper;
    private readonly ILogger _logger;
    private long _noUpstream;

    public ChainForwarder(string chain, UpstreamCluster cluster, TimeSpan idleTimeout, IdleSweeper sweeper, ILogger logger)
    {
        _chain = chain;
        _cluster = cluster;
        _idleTimeout = idleTimeout;
        _sweeper = sweeper;
        _logger = logger;
    }

    public UpstreamCluster Cluster => _cluster;

    /// <summary>Sessions closed because no endpoint of the chain accepted a connection.</summary>
    public long NoUpstream => Interlocked.Read(ref _noUpstream);

    public async Task ForwardAsync(TlsSession session, CancellationToken cancellationToken)
    {
        var connected = await _cluster.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (connected is null)
        {
            Interlocked.Increment(ref _noUpstream);
            EdgeLog.NoUpstream(_logger, _chain, session.Socket.RemoteEndPoint);
            await session.ShutdownAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        (Socket upstream, UpstreamEndpoint endpoint) = connected.Value;
        endpoint.Acquire();
        using IdleTracker idle = _sweeper.Track(_idleTimeout, cancellationToken);
        try
        {
            if (_cluster.Config.ProxyProtocol)
            {
                byte[] header = ProxyProtocolV2.Build((IPEndPoint)session.Socket.RemoteEndPoint!, (IPEndPoint)session.Socket.LocalEndPoint!,
                    session.Connection.Facts!, session.Connection.Peer);
                await upstream.SendAsync(header, SocketFlags.None, idle.Token).ConfigureAwait(false);
            }

            Task toUpstream = ClientToUpstreamAsync(session, upstream, idle);
            Task toClient = UpstreamToClientAsync(upstream, session, idle);
            await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
            if (idle.Expired)
            {
                EdgeLog.IdleClosed(_logger, session.Socket.RemoteEndPoint, _idleTimeout.TotalSeconds);
            }
        }
        finally
        {
            endpoint.Release();
            upstream.Dispose();
        }
    }

    private static async Task ClientToUpstreamAsync(TlsSession session, Socket upstream, IdleTracker idle)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await session.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                idle.Touch();
                if (n == 0)
                {
                    upstream.Shutdown(SocketShutdown.Send);
                    return;
                }

                await upstream.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, idle.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, broke the protocol or went idle: end the upstream side too.
            upstream.Close();
            session.Socket.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task UpstreamToClientAsync(Socket upstream, TlsSession session, IdleTracker idle)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await upstream.ReceiveAsync(buffer, SocketFlags.None, idle.Token).ConfigureAwait(false);
                idle.Touch();
                if (n == 0)
                {
                    await session.ShutdownAsync(idle.Token).ConfigureAwait(false);
                    return;
                }

                await session.WriteAsync(buffer.AsMemory(0, n), idle.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException or OperationCanceledException)
        {
            session.Socket.Close();
            upstream.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
