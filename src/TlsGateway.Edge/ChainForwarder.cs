using System.Buffers;
using System.Diagnostics;
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
    private readonly KeyValuePair<string, object?> _listenerTag;
    private readonly ILogger? _accessLog;
    private readonly UpstreamCluster _cluster;
    private readonly TimeSpan _idleTimeout;
    private readonly IdleSweeper _sweeper;
    private readonly UpstreamTls? _tls;
    private readonly ILogger _logger;
    private long _noUpstream;
    private long _upstreamTlsFailures;

    /// <param name="accessLog">Where each forwarded connection's one line goes when it ends; null for none.</param>
    public ChainForwarder(string listener, string chain, UpstreamCluster cluster, TimeSpan idleTimeout, IdleSweeper sweeper, UpstreamTls? tls,
        ILogger logger, ILogger? accessLog = null)
    {
        _chain = chain;
        _listenerTag = new KeyValuePair<string, object?>("listener", listener);
        _accessLog = accessLog;
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

    public async Task ForwardAsync(ClientSession session, CancellationToken cancellationToken)
    {
        var connected = await _cluster.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (connected is null)
        {
            RecordNoUpstream(session.Socket.RemoteEndPoint);
            await session.Link.ShutdownSendAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        (Socket socket, UpstreamEndpoint endpoint) = connected.Value;
        endpoint.Acquire();
        long startedAt = Stopwatch.GetTimestamp();
        long received = 0;
        long sent = 0;
        using IdleTracker idle = _sweeper.Track(_idleTimeout, cancellationToken);
        StreamLink? upstream = null;
        try
        {
            if (_cluster.Config.ProxyProtocol)
            {
                byte[] header = ProxyProtocolV2.Build((IPEndPoint)session.Socket.RemoteEndPoint!, (IPEndPoint)session.Socket.LocalEndPoint!,
                    session.Facts, session.Peer);
                await socket.SendAsync(header, SocketFlags.None, idle.Token).ConfigureAwait(false);
            }

            upstream = await OpenLinkAsync(socket, endpoint, idle.Token).ConfigureAwait(false);
            if (upstream is null)
            {
                await session.Link.ShutdownSendAsync(idle.Token).ConfigureAwait(false);
                return;
            }

            StreamLink client = session.Link;

            // Idle expiry and the drain deadline end the connection by closing both sides, which
            // ends any wait: one registration per connection, none per wait (see ReadinessWaiter).
            using CancellationTokenRegistration abortWhenIdle = idle.Token.UnsafeRegister(static state =>
            {
                var (one, other) = ((StreamLink, StreamLink))state!;
                one.Abort();
                other.Abort();
            }, (client, upstream));
            Task<long> toUpstream = PumpAsync(client, upstream, idle, EdgeMetrics.ReceivedBytes, _listenerTag);
            Task<long> toClient = PumpAsync(upstream, client, idle, EdgeMetrics.SentBytes, _listenerTag);
            await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
            (received, sent) = (toUpstream.Result, toClient.Result);
            if (idle.Expired)
            {
                RecordIdleClosed(session.Socket.RemoteEndPoint);
            }
        }
        finally
        {
            if (HasAccessLog)
            {
                LogAccess(session.Socket.RemoteEndPoint, session.Facts, session.Peer, endpoint, received, sent, Stopwatch.GetElapsedTime(startedAt),
                    idle.Expired);
            }

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
            return new TlsLink(session, requireCloseNotify: true);
        }
        catch (TlsException e)
        {
            RecordUpstreamTlsFailure(endpoint, e.Failure);
            await session.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The TLS to the upstream this chain originates; null for a plaintext upstream.</summary>
    internal UpstreamTls? Tls => _tls;

    /// <summary>Counts and logs a session closed because the TLS handshake with <paramref name="endpoint"/> failed.</summary>
    internal void RecordUpstreamTlsFailure(UpstreamEndpoint endpoint, TlsFailure failure)
    {
        Interlocked.Increment(ref _upstreamTlsFailures);
        EdgeMetrics.UpstreamTlsFailures.Add(1, new KeyValuePair<string, object?>("chain", _chain),
            new KeyValuePair<string, object?>("reason", EdgeMetrics.ReasonLabel(failure.Reason)));
        EdgeLog.UpstreamTlsFailed(_logger, endpoint.Address, _chain, failure.Reason, failure.Detail);
    }

    /// <summary>True when each forwarded connection gets an access log line (<see cref="LogAccess"/>).</summary>
    internal bool HasAccessLog => _accessLog is not null;

    /// <summary>
    /// Why the edge's event loops cannot forward this chain themselves (docs/edge-loop.md), or null
    /// when they can: an upstream at IP addresses, in plaintext or TLS. Host names to resolve take
    /// this class's path.
    /// </summary>
    internal string? NotOnLoopBecause =>
        _cluster.Endpoints.Any(e => e.Address is not IPEndPoint) ? $"chain '{_chain}' has an upstream endpoint given by host name" : null;

    internal TimeSpan IdleTimeout => _idleTimeout;

    /// <summary>The listener label of the byte counters.</summary>
    internal KeyValuePair<string, object?> ListenerTag => _listenerTag;

    /// <summary>Counts and logs a client that no endpoint of the chain would take.</summary>
    internal void RecordNoUpstream(EndPoint? client)
    {
        Interlocked.Increment(ref _noUpstream);
        EdgeMetrics.NoUpstream.Add(1, new KeyValuePair<string, object?>("chain", _chain));
        EdgeLog.NoUpstream(_logger, _chain, client);
    }

    internal void RecordIdleClosed(EndPoint? client) => EdgeLog.IdleClosed(_logger, client, _idleTimeout.TotalSeconds);

    /// <summary>The access log line of one forwarded connection; only when <see cref="HasAccessLog"/>.</summary>
    internal void LogAccess(EndPoint? client, Interop.HandshakeFacts facts, PeerIdentity? peer, UpstreamEndpoint endpoint, long received, long sent,
        TimeSpan duration, bool idleExpired)
    {
        EdgeLog.Access(_accessLog!, client, (string)_listenerTag.Value!, _chain, facts.ServerName ?? "-",
            facts.ApplicationProtocol ?? "-", TlsVersionNames.ToDisplay(facts.Version), facts.CipherName, facts.SessionReused,
            peer?.SpiffeId ?? peer?.Subject ?? "-", endpoint.Address, received, sent,
            (long)duration.TotalMilliseconds, idleExpired ? "idle_timeout" : "closed");
    }

    // Copies one direction until its source ends (passing the FIN on) or anything fails (closing
    // both); returns the bytes copied, which are also added to the counter as they pass. No call
    // takes a token: idle expiry and the drain deadline close both sides, which ends any wait.
    private static async Task<long> PumpAsync(StreamLink from, StreamLink to, IdleTracker idle, System.Diagnostics.Metrics.Counter<long> bytes,
        KeyValuePair<string, object?> listener)
    {
        byte[]? buffer = null;
        bool busy = false;
        long total = 0;
        try
        {
            while (true)
            {
                // While data streams (the last read filled the buffer) skip the wait: it would cost a syscall per read.
                if (!busy)
                {
                    await from.WaitToReadAsync().ConfigureAwait(false);
                }

                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                int n = await from.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                busy = n == buffer.Length;
                idle.Touch();
                if (n == 0)
                {
                    await to.ShutdownSendAsync(CancellationToken.None).ConfigureAwait(false);
                    return total;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
                total += n;
                bytes.Add(n, listener);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception e) when (e is SocketException or TlsException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away, broke the protocol or went idle: end the other side too.
            from.Abort();
            to.Abort();
            return total;
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
