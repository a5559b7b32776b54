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
/// or when it stays silent past the idle timeout. An idle connection holds no buffer: each
/// direction waits for readable data first and rents its buffer only for the copy (memory per
/// idle connection is what an edge with many clients pays). Optionally the upstream first gets a
/// PROXY v2 header with the client's address and TLS facts (in plaintext, before any upstream TLS,
/// as haproxy's send-proxy does), and optionally the edge speaks TLS or mutual TLS to the upstream.
/// </summary>
public sealed class ChainForwarder
{
    private const int BufferSize = 16 * 1024;

    private readonly string _chain;
    private readonly UpstreamCluster _cluster;
    private readonly TimeSpan _idleTimeout;
    private readonly IdleSweeper _sweeper;
    private readonly UpstreamTls? _tls;
    private readonly ILogger _logger;
    private long _noUpstream;
    private long _upstreamTlsFailures;

    public ChainForwarder(string chain, UpstreamCluster cluster, TimeSpan idleTimeout, IdleSweeper sweeper, UpstreamTls? tls, ILogger logger)
    {
        _chain = chain;
        _cluster = cluster;
        _idleTimeout = idleTimeout;
        _sweeper = sweeper;
        _tls = tls;
        _logger = logger;
    }

    /// <summary>Releases the upstream TLS client context; called when the binding using this forwarder is released.</summary>
    public void ReleaseUpstreamTls() => _tls?.Context.Dispose();

    /// <summary>Sessions closed because the TLS handshake with the upstream failed.</summary>
    public long UpstreamTlsFailures => Interlocked.Read(ref _upstreamTlsFailures);

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

        (Socket socket, UpstreamEndpoint endpoint) = connected.Value;
        endpoint.Acquire();
        using IdleTracker idle = _sweeper.Track(_idleTimeout, cancellationToken);
        StreamLink? upstream = null;
        try
        {
            if (_cluster.Config.ProxyProtocol)
            {
                byte[] header = ProxyProtocolV2.Build((IPEndPoint)session.Socket.RemoteEndPoint!, (IPEndPoint)session.Socket.LocalEndPoint!,
                    session.Connection.Facts!, session.Connection.Peer);
                await socket.SendAsync(header, SocketFlags.None, idle.Token).ConfigureAwait(false);
            }

            upstream = await OpenLinkAsync(socket, endpoint, idle.Token).ConfigureAwait(false);
            if (upstream is null)
            {
                await session.ShutdownAsync(idle.Token).ConfigureAwait(false);
                return;
            }

            var client = new TlsLink(session);
            Task toUpstream = PumpAsync(client, upstream, idle);
            Task toClient = PumpAsync(upstream, client, idle);
            await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
            if (idle.Expired)
            {
                EdgeLog.IdleClosed(_logger, session.Socket.RemoteEndPoint, _idleTimeout.TotalSeconds);
            }
        }
        finally
        {
            endpoint.Release();
            if (upstream is not null)
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
        }
    }

    // Plaintext, or a TLS session whose handshake finished within the connect timeout; null if it failed.
    private async Task<StreamLink?> OpenLinkAsync(Socket socket, UpstreamEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (_tls is null)
        {
            return new SocketLink(socket);
        }

        var session = new TlsSession(socket, _tls.Context.CreateConnection(_tls.ServerName, _tls.Alpn));
        try
        {
            await session.HandshakeAsync(_cluster.Config.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            return new TlsLink(session);
        }
        catch (TlsException e)
        {
            Interlocked.Increment(ref _upstreamTlsFailures);
            EdgeLog.UpstreamTlsFailed(_logger, endpoint.Address, _chain, e.Failure.Reason, e.Failure.Detail);
            await session.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    // Copies one direction until its source ends (passing the FIN on) or anything fails (closing both).
    private static async Task PumpAsync(StreamLink from, StreamLink to, IdleTracker idle)
    {
        byte[]? buffer = null;
        bool busy = false;
        try
        {
            while (true)
            {
                // While data streams (the last read filled the buffer) skip the wait: it would cost a syscall per read.
                if (!busy)
                {
                    await from.WaitToReadAsync(idle.Token).ConfigureAwait(false);
                }

                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                int n = await from.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                busy = n == buffer.Length;
                idle.Touch();
                if (n == 0)
                {
                    await to.ShutdownSendAsync(idle.Token).ConfigureAwait(false);
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), idle.Token).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away, broke the protocol or went idle: end the other side too.
            from.Abort();
            to.Abort();
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
